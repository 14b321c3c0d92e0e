"""GanevalCallback (issue 26, item 3): a toy GAN trained by Lightning on ring8 points, evaluated by the callback,
leaves a run folder that `ganeval report` reads; the trainer's loggers get the metrics."""

import pandas as pd
import pytest

pytest.importorskip("lightning")

import lightning  # noqa: E402
import torch  # noqa: E402
from lightning.pytorch.loggers import CSVLogger  # noqa: E402
from torch import nn  # noqa: E402

from ganeval.cli import main  # noqa: E402
from ganeval.data.mixtures import RING8  # noqa: E402
from ganeval.diagnostics import diagnose_run, load_log  # noqa: E402
from ganeval.errors import GanevalError  # noqa: E402
from ganeval.integrations.lightning import GanevalCallback  # noqa: E402

NOISE = 8


class ToyGan(lightning.LightningModule):
    """A minimal GAN on 2-D points, with manual optimisation (two optimisers)."""

    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.generator = nn.Sequential(nn.Linear(NOISE, 32), nn.ReLU(), nn.Linear(32, 2))
        self.discriminator = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))

    def training_step(self, batch, batch_idx):
        (real,) = batch
        opt_g, opt_d = self.optimizers()
        loss = nn.functional.binary_cross_entropy_with_logits
        fake = self.generator(torch.randn(len(real), NOISE))
        out_real, out_fake = self.discriminator(real), self.discriminator(fake.detach())
        loss_d = loss(out_real, torch.ones_like(out_real)) + loss(out_fake, torch.zeros_like(out_fake))
        opt_d.zero_grad()
        self.manual_backward(loss_d)
        opt_d.step()
        out = self.discriminator(fake)
        loss_g = loss(out, torch.ones_like(out))
        opt_g.zero_grad()
        self.manual_backward(loss_g)
        opt_g.step()
        self.log_dict(
            {
                "loss_d": loss_d,
                "loss_g": loss_g,
                "d_real": torch.sigmoid(out_real).mean(),
                "d_fake": torch.sigmoid(out_fake).mean(),
            }
        )

    def configure_optimizers(self):
        return (
            torch.optim.Adam(self.generator.parameters(), 1e-3),
            torch.optim.Adam(self.discriminator.parameters(), 1e-3),
        )

    def sample(self, n):
        return self.generator(torch.randn(n, NOISE))


def fit(tmp_path, monkeypatch, batches=30, every=10):
    monkeypatch.setenv("GANEVAL_CACHE_DIR", str(tmp_path / "cache"))
    torch.manual_seed(0)
    points, _ = RING8.sample(64 * batches, seed=0)
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.as_tensor(points, dtype=torch.float32)), batch_size=64
    )
    model = ToyGan()
    callback = GanevalCallback("ring8", every_n_steps=every, sample=model.sample, n=500)
    trainer = lightning.Trainer(
        max_epochs=1,
        accelerator="cpu",
        callbacks=[callback],
        logger=CSVLogger(tmp_path / "logs"),
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=1,
    )
    trainer.fit(model, data)
    return trainer, callback


def test_a_toy_gan_trained_with_the_callback_leaves_a_run_folder_that_reports(tmp_path, monkeypatch):
    trainer, callback = fit(tmp_path, monkeypatch, batches=25, every=10)
    run = callback.run_folder
    assert run == tmp_path / "logs" / "lightning_logs" / "version_0" / "ganeval"
    steps, evals, manifest = load_log(run)
    assert steps.step.tolist() == list(range(25))
    assert {"loss_d", "loss_g", "d_real", "d_fake"} <= set(steps.columns)
    assert evals.step.tolist() == [10, 20, 25]  # every 10 batches, and the end
    assert evals.fid.notna().all() and evals.modes_covered.between(0, 8).all()
    assert manifest["finished"] is True and manifest["trainer"] == "lightning" and manifest["reference"] == "ring8"
    assert diagnose_run(run).verdict
    assert main(["report", str(run), "--out", str(tmp_path / "report")]) == 0
    logged = pd.read_csv(tmp_path / "logs" / "lightning_logs" / "version_0" / "metrics.csv")
    fid = logged.dropna(subset=["ganeval/fid"])
    assert fid["ganeval/fid"].tolist() == pytest.approx(evals.fid.tolist())
    assert fid.step.tolist() == [20, 40, 50]  # the trainer's global step: two optimiser steps a batch


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sample": None}, r"sample=\.\.\.\) must be a function of n; got NoneType"),
        ({"sample": len, "every_n_steps": 0}, r"every_n_steps=\.\.\.\) must be a whole number >= 1; got 0"),
    ],
)
def test_bad_settings_are_refused_naming_them(kwargs, match):
    with pytest.raises(GanevalError, match=match):
        GanevalCallback("ring8", **kwargs)
