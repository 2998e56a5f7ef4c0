"""Writing generated test fixtures, or checking that the committed ones are byte-identical.

Shared by Scripts/gen_otlp_payloads.py and Tests/Fixtures/otlp/gen_fixtures.py.
"""
import os


def write_or_check(files, out, check):
    """Writes every `name -> bytes` of `files` into the folder `out`; with `check`, compares
    instead and prints OK or DIFF per file. Returns the number of files that differ or are
    missing (0 when writing)."""
    bad = 0
    for name, data in files.items():
        path = os.path.join(out, name)
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except FileNotFoundError:
                same = False
            bad += not same
            print(f"{'OK ' if same else 'DIFF'} {name}")
        else:
            with open(path, "wb") as f:
                f.write(data)
    return bad
