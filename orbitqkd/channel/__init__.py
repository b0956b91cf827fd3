"""Physics of the satellite-ground optical channel, as pure numpy functions.

One module per effect: :mod:`.geometry` (range, Gaussian beam, collection),
:mod:`.atmosphere` (air mass, extinction), :mod:`.turbulence` (Cn2 profile,
Fried parameter, scintillation, beam wander and spread), :mod:`.pointing`
(jitter and bias), :mod:`.background` (sky radiance to detected counts),
:mod:`.detector` (efficiency, dark counts, dead time), :mod:`.horizontal`
(ground-to-ground paths) and :mod:`.retroreflector` (two-way laser-ranging
links). The pipeline that puts
them together over a pass is :func:`orbitqkd.budget.link_budget`.
"""

from . import (atmosphere, background, detector, geometry, horizontal, pointing, retroreflector,
               turbulence)

__all__ = ["atmosphere", "background", "detector", "geometry", "horizontal", "pointing",
           "retroreflector", "turbulence"]
