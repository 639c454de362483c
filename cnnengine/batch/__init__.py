"""Batch inference over image collections, written to Parquet: in-process (a thread pool) or on a
Ray cluster (Ray Data map_batches). See docs/scale-out.md.

    from cnnengine.batch import predict_images, read_results
    report = predict_images("resnet18.npz", "photos/**/*.jpg", "preds.parquet", top=5)
    print(report.summary())
    table = read_results("preds.parquet")   # pyarrow.Table in input order
"""
from cnnengine.batch.job import BatchReport, predict_images
from cnnengine.batch.output import read_results
from cnnengine.batch.predictor import BatchPredictor, Outputs

__all__ = ["BatchPredictor", "BatchReport", "Outputs", "predict_images", "read_results"]
