"""The handwritten-digit classifier, as a Keras program on ember.

    python examples/mnist_convnet.py [--epochs 12] [--data DIR] [--out FILE]
                                     [--from-directory DIR] [--workers N]

A small convnet (Conv2D -> MaxPooling2D -> Conv2D -> MaxPooling2D -> Flatten ->
Dropout -> Dense) is trained with `fit`, evaluated on the test set, saved as a
`.keras` file and loaded back. Data, first found first used:

1. `--data DIR`, a folder of MNIST's IDX files (`train-images-idx3-ubyte.gz`, ...);
2. the shared copy beside this checkout, `../shared/data/mnist/`;
3. `ember.datasets.mnist.load_data()`: Keras's cache, downloaded when absent;
4. offline, the 1,797 handwritten digits bundled with scikit-learn (8x8 pixels,
   scaled up to 28x28), with a note saying so.

With `--from-directory DIR` it trains from image files instead, as a user with a
folder of pictures would: PNGs in `DIR/train/<digit>/` and `DIR/test/<digit>/` (written
there from the arrays above when DIR holds none) are read with
`ember.utils.image_dataset_from_directory`, and a `Rescaling` layer scales the pixels.

On MNIST it reaches about 99% test accuracy.
"""

import argparse
import os
import sys
import time

import numpy as np

import ember as keras
from ember import layers

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)
SHARED_MNIST = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist"
)


def load_digits_data(data_dir=None):
    """Returns `(x_train, y_train), (x_test, y_test), description`."""
    for folder in (data_dir, SHARED_MNIST):
        if folder and os.path.isdir(folder):
            return (*keras.datasets.mnist.load_data(folder), f"MNIST from {folder}")
    try:
        return (*keras.datasets.mnist.load_data(), "MNIST (Keras's mnist.npz)")
    except OSError as error:  # offline and not cached: fall back, and say so
        reason = str(error).splitlines()[0]
        print(f"note: MNIST not available ({reason}); using scikit-learn's digits")
    return (*_sklearn_digits(), "scikit-learn's 8x8 digits, scaled to 28x28")


def _sklearn_digits():
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    # 8x8 images with values 0..16 -> 28x28 uint8 like MNIST's.
    images = torch.from_numpy(digits.images.astype("float32") * (255.0 / 16.0))
    images = torch.nn.functional.interpolate(
        images[:, None], size=(28, 28), mode="bilinear", align_corners=False
    )[:, 0]
    x = images.clamp(0, 255).round().to(torch.uint8).numpy()
    y = digits.target.astype("uint8")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def write_image_folders(folder, splits):
    """Writes `(x, y)` splits as `folder/<split>/<label>/<index>.png` (grayscale)."""
    from PIL import Image

    for split, (x, y) in zip(("train", "test"), splits):
        for label in range(NUM_CLASSES):
            os.makedirs(os.path.join(folder, split, str(label)), exist_ok=True)
        for index, (image, label) in enumerate(zip(x, y)):
            path = os.path.join(folder, split, str(label), f"{index:05d}.png")
            Image.fromarray(image).save(path)


def image_folder_datasets(folder, batch_size, workers):
    """Training, validation and test datasets read from the PNG folders."""
    options = dict(
        color_mode="grayscale",
        image_size=INPUT_SHAPE[:2],
        batch_size=batch_size,
        workers=workers,
        use_multiprocessing=workers > 1,
    )
    train, validation = keras.utils.image_dataset_from_directory(
        os.path.join(folder, "train"),
        validation_split=0.1,
        subset="both",
        seed=1337,
        **options,
    )
    test = keras.utils.image_dataset_from_directory(
        os.path.join(folder, "test"), shuffle=False, **options
    )
    return train, validation, test


def build_model(rescale=False):
    # Arrays are scaled to [0, 1] beforehand; image files arrive as 0..255.
    scaling = [layers.Rescaling(1.0 / 255)] if rescale else []
    return keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            *scaling,
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--data", default=None, help="a folder of MNIST IDX files")
    parser.add_argument("--out", default="mnist_convnet.keras")
    parser.add_argument(
        "--from-directory",
        metavar="DIR",
        help="train from PNG files in DIR/train/<digit>/, DIR/test/<digit>/",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="processes decoding images"
    )
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(1337)
    (x_train, y_train), (x_test, y_test), source = load_digits_data(args.data)
    print(f"data: {source}: {len(x_train)} training, {len(x_test)} test images")
    if args.from_directory:
        folder = args.from_directory
        if not os.path.isdir(os.path.join(folder, "train")):
            print(f"writing the images as PNG files under {folder}")
            write_image_folders(folder, ((x_train, y_train), (x_test, y_test)))
        train, validation, test = image_folder_datasets(
            folder, args.batch_size, args.workers
        )
        fit_args = dict(x=train, validation_data=validation)
        evaluate_args = dict(x=test)
        x_check = np.concatenate([x for x, _ in test.take(2)])
    else:
        # Scale to [0, 1] and add the channel axis: (n, 28, 28) -> (n, 28, 28, 1).
        x_train = (x_train.astype("float32") / 255.0)[..., None]
        x_test = (x_test.astype("float32") / 255.0)[..., None]
        fit_args = dict(
            x=x_train, y=y_train, batch_size=args.batch_size, validation_split=0.1
        )
        evaluate_args = dict(x=x_test, y=y_test)
        x_check = x_test[:256]

    model = build_model(rescale=bool(args.from_directory))
    model.summary()
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer="adam",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    model.fit(epochs=args.epochs, **fit_args)
    print(f"trained in {time.perf_counter() - start:.1f} s")

    loss, accuracy = model.evaluate(verbose=0, **evaluate_args)
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {accuracy:.4f}")

    model.save(args.out)
    restored = keras.models.load_model(args.out)
    same = np.allclose(
        restored.predict(x_check, verbose=0),
        model.predict(x_check, verbose=0),
        atol=1e-6,
    )
    print(f"saved to {args.out}; reloaded model predicts the same: {same}")
    if not same:
        sys.exit("the reloaded model's predictions differ")
    return accuracy


if __name__ == "__main__":
    main()
