"""Run a module as `python -m` would, with the clock moved to the instant in argv[1] (and
ticking from there): a worker subprocess then shares the test's daytime clock.

Usage: python tests/traveled.py 2026-12-06T19:00:00+00:00 -m flask --app wsgi ...
"""

import runpy
import sys

import time_machine

if __name__ == "__main__":
    destination, flag, module, *rest = sys.argv[1:]
    assert flag == "-m", "usage: traveled.py INSTANT -m MODULE [ARGS...]"
    time_machine.travel(destination, tick=True).start()
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
