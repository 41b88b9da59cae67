"""Comparison reports from the MLflow store: ``ganbench report`` / ``make report``.

Data flows one way: ``load`` reads an experiment's runs (``mlflow.search_runs`` into pandas, metric
histories and artifacts through the client) into :class:`~ganbench.contracts.report_data.ReportData`; every
section registered in ``registry/reports/`` turns it into figures, tables and verdicts; ``build``
writes ``index.html``, ``summary.md``, ``results.csv`` and ``figures/`` into ``reports/<experiment>/``.
"""
