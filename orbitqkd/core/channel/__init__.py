"""Physics of the satellite-ground optical channel, as pure numpy functions.

One module per effect: :mod:`.geometry` (range, Gaussian beam, collection),
:mod:`.atmosphere` (air mass, extinction), :mod:`.turbulence` (Cn2 profile,
Fried parameter, scintillation, beam wander and spread), :mod:`.pointing`
(jitter and bias), :mod:`.background` (sky radiance to detected counts) and
:mod:`.detector` (efficiency, dark counts, dead time). The pipeline that puts
them together over a pass is :func:`orbitqkd.core.budget.link_budget`.
"""

from . import atmosphere, background, detector, geometry, pointing, turbulence

__all__ = ["atmosphere", "background", "detector", "geometry", "pointing", "turbulence"]
