"""Running the course rather than teaching it: the command line (cli.py), the set-up check (doctor.py)
and the slides extension (slides.py)."""
