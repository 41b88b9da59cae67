"""Running experiments: specs expanded into cells, worker processes, MLflow tracking, summaries."""
