"""``homography``: ECC alignment to a template with a full projective transform — the
``template`` method with the transform fixed (DXA views, whose pose is a homography)."""
from __future__ import annotations

from zoo.registration.method import IMAGE, Method
from zoo.registration.methods.template import EccOptions, TemplateStep

__all__ = ["METHOD"]

METHOD = Method(
    name="homography", summary="ECC alignment to a template with a projective (homography) transform",
    learned=False, applies_to=IMAGE, options=EccOptions,
    build=lambda o, seed: TemplateStep("homography", "homography", o),
)
