"""Physics of the satellite-ground optical channel, as pure numpy functions.

One module per effect: :mod:`.geometry` (range, Gaussian beam, collection),
:mod:`.atmosphere` (air mass, extinction), :mod:`.turbulence` (Cn2 profile,
Fried parameter, isoplanatic angle, scintillation and aperture averaging,
tilt and field stop, beam wander and spread), :mod:`.fading` (distributions
of the transmittance and their quadrature for key rates), :mod:`.pointing`
(jitter and bias, tracking error, angular rate), :mod:`.background` (sky
radiance to detected counts) and :mod:`.detector` (efficiency, dark counts,
dead time, saturation, afterpulsing, gate and jitter). The pipeline that puts
them together over a pass is :func:`orbitqkd.core.budget.link_budget`.
"""

from . import (atmosphere, background, detector, fading, geometry, horizontal, pointing,
               retroreflector, turbulence)

__all__ = ["atmosphere", "background", "detector", "fading", "geometry", "horizontal",
           "pointing", "retroreflector", "turbulence"]
