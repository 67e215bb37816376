"""Child processes that papershelf starts (Datasette, Litestream) and must stop within bounds."""

import subprocess


def stop_process(process, timeout=10):
    """Stop a child process: SIGTERM, then SIGKILL if it lingers past timeout seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
