"""Worker processes: work run in a framework's own process, answered as one JSON object.

``parent.call`` starts ``python -m dropout_lab.workers.child`` with a
framework's environment and sends it a request naming its task
(``dropout_lab.<module>:<function>``); the family that sends the request owns
the task. Below every family: it imports no family and no framework.
"""
