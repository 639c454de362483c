"""Batch inference throughput (img/s, end to end: model load, decode, preprocess, predict, Parquet):
ResNet-18 over generated 500 x 375 JPEGs, cnnengine's local engine vs its Ray engine, and PyTorch
through Ray Data's documented batch-inference pattern, all in one run.

    python benchmarks/bench_batch.py [--images 2000] [--rounds 2] [--batch-size 16]

Configurations are workers x engine threads: local 1x2 and 2x1 (threads of this process), Ray 1x2
and 2x1 (actors of a local Ray cluster with num_cpus=2; num_cpus per actor = threads). The PyTorch
twin is a map_batches callable class that loads torchvision's resnet18 once per actor and runs
Pillow decode + torchvision's Resize(256)/CenterCrop(224)/ToTensor/Normalize + forward under
inference_mode with torch.set_num_threads(threads); its results go to Parquet with write_parquet.
Decoding runs inside the actors for both engines: on two CPUs a separate decode stage could not be
scheduled next to actors holding every CPU. Each round runs every configuration once over
--images / --rounds images (a fresh output, so nothing is skipped), alternating, so machine noise
hits all alike; the table gives the median img/s over rounds.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import markdown_table  # noqa: E402

CONFIGS = [("cnnengine", "local", 1, 2), ("cnnengine", "local", 2, 1), ("cnnengine", "ray", 1, 2),
           ("cnnengine", "ray", 2, 1), ("pytorch", "ray", 1, 2), ("pytorch", "ray", 2, 1)]


def make_images(folder, count, seed=0):
    """`count` 500 x 375 JPEGs: smooth random colour fields with fine noise (photo-like file sizes)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        coarse = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize((500, 375), Image.BICUBIC)
        pixels = np.asarray(coarse, dtype=np.int16) + rng.integers(-12, 13, (375, 500, 3), dtype=np.int16)
        path = os.path.join(folder, f"img{i:05d}.jpg")
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(path, quality=90)
        paths.append(path)
    return paths


class TorchPredictor:
    """Ray Data's documented pattern for PyTorch: a callable class, model loaded once per actor."""

    def __init__(self, threads):
        import torch
        import torchvision
        from torchvision import transforms

        torch.set_num_threads(threads)
        self.torch = torch
        self.model = torchvision.models.resnet18(weights=None).eval()
        self.transform = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    def __call__(self, batch):
        from PIL import Image

        images = [self.transform(Image.open(path).convert("RGB")) for path in batch["path"]]
        with self.torch.inference_mode():
            probabilities = self.torch.softmax(self.model(self.torch.stack(images)), dim=1)
        top = probabilities.topk(5, dim=1)
        return {"path": batch["path"], "classes": top.indices.numpy(), "probabilities": top.values.numpy()}


def run_pytorch(ray, paths, out, workers, threads, batch_size):
    dataset = ray.data.from_items([{"path": path} for path in paths], override_num_blocks=4 * workers)
    dataset.map_batches(TorchPredictor, fn_constructor_kwargs={"threads": threads}, batch_size=batch_size,
                        num_cpus=threads, compute=ray.data.ActorPoolStrategy(size=workers)).write_parquet(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()

    import ray

    from cnnengine import zoo
    from cnnengine.batch import predict_images

    folder = tempfile.mkdtemp(prefix="bench_batch_")
    try:
        per_round = args.images // args.rounds
        paths = make_images(folder, per_round)
        model = os.path.join(folder, "resnet18.npz")
        zoo.resnet18(seed=0).save(model)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        rates = {config: [] for config in CONFIGS}
        for round_index in range(args.rounds):
            for config in CONFIGS:
                engine, where, workers, threads = config
                out = os.path.join(folder, f"out-{round_index}-{engine}-{where}-{workers}x{threads}")
                start = time.perf_counter()
                if engine == "cnnengine":
                    report = predict_images(model, paths, out, engine=where, workers=workers, threads=threads,
                                            batch_size=args.batch_size)
                    assert report.processed == len(paths) and report.failures == 0
                else:
                    run_pytorch(ray, paths, out, workers, threads, args.batch_size)
                rates[config].append(len(paths) / (time.perf_counter() - start))
                print(f"round {round_index}: {engine} {where} {workers}x{threads}: {rates[config][-1]:.2f} img/s",
                      file=sys.stderr, flush=True)
        ray.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    medians = {config: float(np.median(samples)) for config, samples in rates.items()}
    local_best = max(medians[c] for c in CONFIGS if c[:2] == ("cnnengine", "local"))
    torch_best = max(medians[c] for c in CONFIGS if c[0] == "pytorch")
    rows = [(engine, where, f"{workers} x {threads}", f"{medians[config]:.2f}",
             f"{medians[config] / local_best:.2f}", f"{medians[config] / torch_best:.2f}")
            for config in CONFIGS for engine, where, workers, threads in [config]]
    print(f"ResNet-18, {per_round} images x {args.rounds} rounds, batch {args.batch_size}; median img/s over rounds")
    print(markdown_table(["engine", "runs on", "workers x threads", "img/s", "/ best local", "/ best PyTorch"], rows))


if __name__ == "__main__":
    main()
