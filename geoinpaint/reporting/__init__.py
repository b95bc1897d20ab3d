"""Tables (CSV, Markdown, LaTeX) and figures."""
