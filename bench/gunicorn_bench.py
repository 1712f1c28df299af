"""gunicorn's settings for the benchmarks: both apps served alike, no access log."""

workers = 2
worker_class = "sync"
accesslog = None
errorlog = "-"
