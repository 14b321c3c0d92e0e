"""ganeval's own subcommands, one module each, in the shape a plug-in command has (entry-point group
`ganeval.commands`): `add_command(commands)` adds the subparser, whose handler parses, calls one
public function and prints. `common` holds what they share (options built once, safe outputs).

A new command is one module with `add_command` and one registration: in BEFORE_TRAIN/AFTER_TRAIN
below for ganeval itself, or an entry point for another package.
"""

from ganeval.commands import compare, demo, export, gate, report, sample, score, stats

# In the order `ganeval --help` lists them; the trainers' `train` (a plug-in) comes between.
BEFORE_TRAIN = (score, stats, export)
AFTER_TRAIN = (sample, gate, compare, report, demo)

__all__ = ["AFTER_TRAIN", "BEFORE_TRAIN"]
