"""Start-up (issue 14): ``import recraft`` imports no module of the package (PEP 562: each
public name loads its module when first used), ``Client()`` only what a client needs, and
every public name still resolves, through ``from recraft import X``, ``dir()`` and ``__all__``."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import PYTHON_DIR

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import recraft
after_import = sorted(m for m in sys.modules if m.startswith("recraft"))
recraft.Client("sandbox", base_url="http://127.0.0.1:9")
after_client = sorted(m for m in sys.modules if m.startswith("recraft"))
print(json.dumps([after_import, after_client, "hashlib" in sys.modules, "asyncio" in sys.modules]))
"""


def test_import_recraft_loads_nothing_and_client_only_what_it_needs() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, str(PYTHON_DIR)], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    after_import, after_client, hashlib, asyncio = json.loads(out)
    assert after_import == ["recraft"]
    # Submitting, waiting and saving (_job, _input, _output, _results, _catalog) load at first use.
    assert set(after_client) <= {"recraft", "recraft._client", "recraft._ffi", "recraft._handle", "recraft._lib",
                                 "recraft._log", "recraft.errors"}, after_client
    assert not hashlib and not asyncio


def test_every_public_name_resolves() -> None:
    import recraft

    for name in recraft.__all__:
        assert getattr(recraft, name) is not None, name
        assert name in dir(recraft)
    from recraft import BatchItem, Client, Job, JobState, RecraftError, Result, StoreUnavailableError

    assert issubclass(StoreUnavailableError, RecraftError) and JobState.SUCCEEDED.value
    assert [cls.__module__ for cls in (Client, Job, Result, BatchItem)] == [
        "recraft._client", "recraft._job", "recraft._results", "recraft._results"]
