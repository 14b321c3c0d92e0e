"""What `ganeval` says before any command runs: the tour of the commands (bare `ganeval`, and `--help`)
and the one-line description. Plain text, no imports: `ganeval.launch` shows it without loading the
library (torch, scipy, pandas take seconds to import)."""

DESCRIPTION = (
    "Evaluate and diagnose GANs: FID, KID, IS, precision/recall, density/coverage, "
    "mode coverage and discriminator calibration, with confidence intervals."
)

#: (command, what it does, one example), in the order the tour lists them.
COMMANDS = (
    (
        "score",
        "score generated samples against a reference, with 95% intervals",
        "ganeval score examples/digits-samples --ref digits",
    ),
    ("stats", "save a reference's features and statistics to share or reuse", "ganeval stats reals/ -o reals.npz"),
    ("export", "write a bundled data set as images or points", "ganeval export stacked-digits out/ --n 500"),
    (
        "train",
        "train a reference GAN variant; its log feeds the diagnostics",
        "ganeval train gan-ns --data ring8 --out runs/gan-ns-ring8",
    ),
    ("sample", "draw samples from a trained run", "ganeval sample runs/gan-ns-ring8 -o samples.npy --n 2000"),
    (
        "report",
        "diagnose runs (stability, collapse) and write an HTML/Markdown report",
        "ganeval report runs/gan-ns-ring8 --out reports/gan-ns",
    ),
    (
        "compare",
        "which variant trains best on this data, and is the difference real?",
        "ganeval compare --variants gan-ns,wgan-gp --data ring8 --seeds 3 --out reports/cmp",
    ),
    (
        "baseline",
        "record a generator's scores for the quality gate",
        "ganeval baseline runs/dcgan-digits --ref digits -o baseline.json",
    ),
    (
        "check",
        "fail CI when a generator got worse beyond noise (exit 1)",
        "ganeval check runs/dcgan-digits --baseline baseline.json",
    ),
    ("demo", "score the bundled demo generators side by side", "ganeval demo"),
)

FOOTER = (
    "Run `ganeval COMMAND --help` for a command's options. Exit codes: 0 success, 1 failed quality gate,\n"
    "2 usage or input error, 3 a bug in ganeval."
)

TOUR = (
    "ganeval: evaluate and diagnose GANs. Commands, with one example each:\n\n"
    + "\n".join(f"  {name:<10}{what}\n              {example}" for name, what, example in COMMANDS)
    + "\n\n"
    + FOOTER
)
