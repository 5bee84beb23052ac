import subprocess
import sys

import zoo.registration as reg


def test_every_export_resolves():
    for name in reg.__all__:
        assert getattr(reg, name) is not None, name


def test_import_does_no_heavy_work():
    code = (
        "import sys, zoo.registration, zoo.registration.cli; "
        "heavy = [m for m in ('keras', 'tensorflow', 'cv2', 'scipy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
