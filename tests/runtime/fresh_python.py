"""Runs Python code in a fresh interpreter that imports this checkout and these test helpers."""
import os
import subprocess
import sys


def run_python(code, timeout=120, **env):
    """Runs `code` in a fresh interpreter (this checkout on the path); env None removes a variable."""
    environment = {**os.environ}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    environment["PYTHONPATH"] = os.pathsep.join([root, os.path.dirname(os.path.abspath(__file__))])
    for key, value in env.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=timeout)
