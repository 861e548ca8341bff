"""The pilot committee's report (`aripa report`): one PDF and its HTML, from the published files.

Small modules, one job each:
- `donnees`: reads the published file of the report's scope (pipelines/publication.py,
  pipelines/portees.py: the same files the dashboards read, never the warehouse being built) into
  plain figures; no KPI is computed here, only read, compared and formatted;
- `evaluation`: the GIPA estimates of the published `evaluation` schema and their plain-French reading;
- `graphiques`: the charts, drawn offline by matplotlib as SVG (text kept as text, local fonts);
- `typographie`: French typography of every text the report prints;
- `rendu`: Jinja2 template -> HTML -> WeasyPrint -> PDF (A4, page numbers, table of contents);
- `executer`: the command's job, from a scope and a month (or a year) to the two files.
"""
