"""compare's plain answer: one sentence per classification, saying only what was measured."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dropout_lab.toy.answer import plain_answer


def _result(classification: str, layer_class: str = "keras.layers.Dropout", rate: float = 0.5,
            layer: str = "keras"):
    return SimpleNamespace(classification=classification, layer_class=layer_class,
                           config=SimpleNamespace(rate=rate, implementation=layer))


@pytest.mark.parametrize("result, sentence", [
    (_result("inverted"), "Keras scales kept units by 1/keep (× 2 at rate 0.5) during training "
                          "and does nothing at test time: inverted dropout."),
    (_result("inverted", rate=0.2), "Keras scales kept units by 1/keep (× 1.25 at rate 0.2) "
                                    "during training and does nothing at test time: inverted "
                                    "dropout."),
    (_result("inverted", "torch.nn.Dropout", 0.3, "torch.nn.Dropout"),
     "torch.nn.Dropout scales kept units by 1/keep (× 1.43 at rate 0.3) during training and "
     "does nothing at test time: inverted dropout."),
    (_result("vanilla", "VanillaDropout", 0.5, "vanilla"),
     "VanillaDropout leaves kept units unscaled during training and multiplies them by keep "
     "(× 0.5 at rate 0.5) at test time: vanilla dropout."),
    (_result("inverted", "keras.layers.GaussianDropout", 0.5, "keras.layers.GaussianDropout"),
     "keras.layers.GaussianDropout multiplies units by random noise of mean 1 during training "
     "and does nothing at test time: on average the trained net is its test-time net, as with "
     "inverted dropout, though nothing is dropped."),
    (_result("inverted", "keras.layers.GaussianNoise", 0.5, "keras.layers.GaussianNoise"),
     "keras.layers.GaussianNoise adds zero-mean noise during training and does nothing at test "
     "time: nothing is dropped or rescaled, and on average the trained net is its test-time "
     "net."),
    (_result("indistinguishable", rate=1e-7),
     "At rate 1e-07, keep = 1 is so close to 1 that inverted and vanilla dropout give the same "
     "outputs within rtol: this run cannot tell which of the two Keras is (a larger --rate "
     "can)."),
    (_result("inconsistent", "UniformDropout", 0.5, "uniform"),
     "UniformDropout's test-time output is not the average of its training-time outputs (the "
     "consistency check failed): it is neither inverted nor vanilla dropout."),
    (_result("other"), "Keras's test-time net is neither unchanged nor scaled by keep, though "
                       "it matches its training-time average: neither inverted nor vanilla "
                       "dropout."),
    (_result("undecided"), "Keras is classified undecided (see the checks above)."),
])
def test_one_sentence_per_classification(result, sentence):
    assert plain_answer(result) == sentence
