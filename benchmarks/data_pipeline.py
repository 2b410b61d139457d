"""Images per second through `ember.utils.image_dataset_from_directory`.

    python benchmarks/data_pipeline.py [--images 6000] [--size 28] [--passes 3]

Writes a folder of grayscale PNGs (MNIST's training images when `../shared/data/mnist`
is beside this checkout, random digits-sized images otherwise), then reads it in
batches of 128 — decoding with Pillow, resizing with torch — with no workers (all in
the main process), 2 threads and 2 worker processes (torch's DataLoader), and prints
the median images/second of the passes after the first. Also reports the
`ImageDataGenerator().flow_from_directory` pipeline, Keras's older one.
"""

import argparse
import os
import tempfile
import time

import numpy as np
from PIL import Image

import ember

SHARED_MNIST = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist"
)


def write_images(folder, count, size):
    if os.path.isdir(SHARED_MNIST) and size == 28:
        (x, y), _ = ember.datasets.mnist.load_data(SHARED_MNIST)
        x, y, source = x[:count], y[:count], "MNIST"
    else:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, (count, size, size), dtype=np.uint8)
        y = rng.integers(0, 10, count)
        source = "random"
    for label in range(10):
        os.makedirs(os.path.join(folder, str(label)), exist_ok=True)
    for index, (image, label) in enumerate(zip(x, y)):
        Image.fromarray(image).save(os.path.join(folder, str(label), f"{index}.png"))
    return source


def images_per_second(make_batches, count, passes):
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        seen = 0
        for x, _ in make_batches():
            seen += len(x)
        rates.append(seen / (time.perf_counter() - start))
        assert seen == count, (seen, count)
    return float(np.median(rates[1:] if len(rates) > 1 else rates))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        source = write_images(folder, args.images, args.size)
        print(f"{args.images} {source} PNGs of {args.size}x{args.size}, batch 128")
        settings = {
            "no workers (main process)": dict(workers=1, use_multiprocessing=False),
            "2 threads": dict(workers=2, use_multiprocessing=False),
            "2 worker processes": dict(workers=2, use_multiprocessing=True),
        }
        for name, options in settings.items():
            dataset = ember.utils.image_dataset_from_directory(
                folder,
                color_mode="grayscale",
                image_size=(args.size, args.size),
                batch_size=128,
                verbose=False,
                **options,
            )
            rate = images_per_second(lambda d=dataset: d, args.images, args.passes)
            print(f"  image_dataset_from_directory, {name:27s}{rate:9.0f} images/s")

        generator = ember.preprocessing.image.ImageDataGenerator(rescale=1 / 255)

        def flow():
            iterator = generator.flow_from_directory(
                folder,
                target_size=(args.size, args.size),
                color_mode="grayscale",
                batch_size=128,
            )
            return (iterator[i] for i in range(len(iterator)))

        rate = images_per_second(flow, args.images, args.passes)
        print(f"  ImageDataGenerator.flow_from_directory{'':20s}{rate:9.0f} images/s")


if __name__ == "__main__":
    main()
