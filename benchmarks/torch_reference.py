"""The models and settings PyTorch runs in the side-by-side benchmarks.

Shared by compare_pytorch.py and compare_music_pytorch.py: the same
architectures as Cadenza's (the paper's Fig. 7 model and the stream model), and
the environment that gives PyTorch its best speed on the 2-core machines here.
"""
import os


def best_torch_env():
    """1 intra-op thread, 2 OpenBLAS threads, OpenBLAS free to pick its AVX-512 kernels."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2", OMP_NUM_THREADS="1")
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def make_models(torch):
    """Returns (Paper, Stream) classes; torch is passed in so that importing this
    module does not import torch (the parent processes never need it)."""

    class Paper(torch.nn.Module):
        """LSTM(128) -> Dropout(0.3) -> LSTM(128) -> Flatten -> Dense(256) -> Dropout(0.3) -> Dense(V)."""
        def __init__(self, V):
            super().__init__()
            self.l1 = torch.nn.LSTM(1, 128)
            self.l2 = torch.nn.LSTM(128, 128)
            self.d1 = torch.nn.Linear(12800, 256)
            self.d2 = torch.nn.Linear(256, V)
            self.drop = torch.nn.Dropout(0.3)

        def forward(self, x):  # x: [T, B, 1]
            h, _ = self.l1(x)
            h, _ = self.l2(self.drop(h))
            h = h.transpose(0, 1).reshape(x.shape[1], -1)  # Keras's Flatten of [B, T, H]
            return self.d2(self.drop(self.d1(h)))

    class Stream(torch.nn.Module):
        """Embedding(64) -> LSTM(256) -> LSTM(256) -> Dense(V) at every step."""
        def __init__(self, V):
            super().__init__()
            self.e = torch.nn.Embedding(V, 64)
            self.l = torch.nn.LSTM(64, 256, num_layers=2)
            self.d = torch.nn.Linear(256, V)

        def forward(self, ids, state=None):
            h, state = self.l(self.e(ids), state)
            return self.d(h), state

    return Paper, Stream
