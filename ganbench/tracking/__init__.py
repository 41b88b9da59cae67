"""Everything that talks to MLflow: the run layout and its writes (``tracker``), claims on run keys
(``claims``), curves streamed while training (``live``), tuning trials as runs (``trials``), reading
runs back for reports and summaries (``load``, ``summary``) and links into the MLflow UI
(``ui_links``). The trainer never imports this package; the executor and the commands do."""
