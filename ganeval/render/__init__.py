"""What the workflows' pages are made of, shared by `report` (a run's diagnosis, a score's page) and `compare`
(a comparison): the blocks that render to HTML and Markdown (`blocks`: headings, text, tables, images, details,
written atomically) and the figures (`figures`: pure functions of frames and arrays, PNG bytes; seaborn and
matplotlib load on first use). Nothing here reads runs or scores samples."""
