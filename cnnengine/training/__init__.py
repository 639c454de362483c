"""Training and fine-tuning on the CPU (Model.train() / Model.eval() switch a model's mode):

    executor   the training-mode graph run: tape, backward, gradients (model.trainer)
    ops        training forward/backward of every layer op on the C++ kernels
    optim      SGD / Adam / AdamW, step and cosine schedules, gradient clipping
    transfer   freeze / unfreeze, replace_head
    augment    Cython-backed augmentation of uint8 images into float32 batches
    data       IDX files (Fashion-MNIST), image folders, seeded batch order
    trainer    the loop: progress bars, validation, checkpoints with exact resume
    evaluate   top-k and per-class accuracy (Model.evaluate)
    commands   `cnnengine train` / `cnnengine finetune`
"""
