"""Compiled inner loops of the pass engine: brackets on the grid, refinement, look angles.

:func:`orbitqkd.core.events.find_passes` spends its time once per
(satellite, sample, station) and once per event, not in SGP4. Written as
numpy array expressions, each event costs microseconds of temporaries and
fancy indexing; these loops cost tens of nanoseconds. They are compiled by
numba on first use and cached on disk (``cache=True``).

The hot functions take scalars and tuples, not arrays: a station is a tuple
of 15 numbers (:func:`station`), a bracket's state a tuple of 18
(:func:`state_row`).

Between two grid samples the Earth-fixed position is the quintic Hermite
interpolant of the SGP4 positions and velocities and of the accelerations at
both ends (:func:`hermite`). The accelerations are those of a J2 gravity
field in the rotating frame (:func:`ecef_acceleration_km_s2`), not SGP4's
own second derivative; SGP4 adds J3, drag and its truncated short-period
terms, all far below the J2 term for LEO.

References
----------
.. [1] Burden & Faires, *Numerical Analysis*, 9th ed. (2011), sect. 3.4
   (Hermite interpolation); quintic case: error f^(6) tau^3 (1 - tau)^3 h^6 / 6!.
.. [2] Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.
   (2013), p. 594 (J2 acceleration), Algorithm 27 (look angles).
.. [3] Press et al., *Numerical Recipes*, 3rd ed. (2007), sect. 9.4 (``rtsafe``:
   Newton steps kept inside a bracket); the fallback is the Illinois variant of
   regula falsi (Dowell & Jarratt 1971, BIT 11, 168).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_JIT = dict(cache=True, nogil=True, error_model="numpy")

# bracket kinds
RISE, SET, CULM, UP_AT_START, UP_AT_END, FLOOR_MAX = range(6)
# what an event solves: elevation - floor = 0, elevation rate = 0, d(elevation - floor)/dt = 0
CROSSING, ELEVATION_MAX, CLEARANCE_MAX = range(3)
#: Numbers in a bracket's state: position, velocity, acceleration at both ends
STATE_COLUMNS = 18


def crossing_clearance(g_deg, min_el_deg, masked):
    """The function a crossing solves, from the clearance ``g_deg`` = elevation - floor [deg]:
    sin(elevation) - sin(floor) for a station without a horizon mask (same root and
    sign, and no arc tangent to evaluate), ``g_deg`` itself under a mask."""
    g_deg = np.asarray(g_deg, dtype=float)
    sine = np.sin(np.radians(g_deg + min_el_deg)) - np.sin(np.radians(min_el_deg))
    return np.where(masked, g_deg, sine)


@numba.njit(**_JIT)
def ecef_acceleration_km_s2(x, y, z, vx, vy, vz, mu, j2, re_km, omega_rad_s):
    """Acceleration [km/s^2] in the Earth-fixed frame of a satellite at (x, y, z) [km]
    moving at (vx, vy, vz) [km/s] in that frame: two-body and J2 gravity ([2] p. 594)
    plus the Coriolis (-2 w x v) and centrifugal (-w x (w x r)) terms of the frame
    rotating at ``omega_rad_s`` about z."""
    r2 = x * x + y * y + z * z
    k = -mu / (r2 * math.sqrt(r2))
    q = 1.5 * j2 * re_km * re_km / r2
    zz = 5.0 * z * z / r2
    w2 = omega_rad_s * omega_rad_s
    ax = k * x * (1.0 + q * (1.0 - zz)) + 2.0 * omega_rad_s * vy + w2 * x
    ay = k * y * (1.0 + q * (1.0 - zz)) - 2.0 * omega_rad_s * vx + w2 * y
    az = k * z * (1.0 + q * (3.0 - zz))
    return ax, ay, az


@numba.njit(**_JIT)
def teme_to_ecef_coordinate_major(r_teme_km, v_teme_km_s, theta_rad, bad, first, stop,
                                  omega_rad_s):
    """:func:`orbitqkd.core.orbits.teme_to_ecef` of samples ``first:stop`` of (N, K, 3)
    TEME arrays at Greenwich sidereal angles ``theta_rad`` (K,), into coordinate-major
    (N, 3, stop - first) arrays, NaN where ``bad`` (N, K): the layout
    :func:`grid_brackets` reads, in one pass (Vallado et al. 2006, AIAA 2006-6753, App. B)."""
    n, m = r_teme_km.shape[0], stop - first
    r = np.empty((n, 3, m))
    v = np.empty((n, 3, m))
    c = np.cos(theta_rad[first:stop])
    s = np.sin(theta_rad[first:stop])
    for i in range(n):
        for j in range(m):
            k = first + j
            if bad[i, k]:
                for a in range(3):
                    r[i, a, j] = np.nan
                    v[i, a, j] = np.nan
                continue
            x, y = r_teme_km[i, k, 0], r_teme_km[i, k, 1]
            vx, vy = v_teme_km_s[i, k, 0], v_teme_km_s[i, k, 1]
            r[i, 0, j] = c[j] * x + s[j] * y
            r[i, 1, j] = c[j] * y - s[j] * x
            r[i, 2, j] = r_teme_km[i, k, 2]
            v[i, 0, j] = c[j] * vx + s[j] * vy + omega_rad_s * r[i, 1, j]
            v[i, 1, j] = c[j] * vy - s[j] * vx - omega_rad_s * r[i, 0, j]
            v[i, 2, j] = v_teme_km_s[i, k, 2]
    return r, v


@numba.njit(**_JIT)
def state_row(state, j):
    """Row ``j`` of a (brackets, 18) state array as a tuple."""
    return (state[j, 0], state[j, 1], state[j, 2], state[j, 3], state[j, 4], state[j, 5],
            state[j, 6], state[j, 7], state[j, 8], state[j, 9], state[j, 10], state[j, 11],
            state[j, 12], state[j, 13], state[j, 14], state[j, 15], state[j, 16], state[j, 17])


@numba.njit(**_JIT)
def station(geometry, m):
    """Row ``m`` of a (stations, 15) geometry array as a tuple: site [km], east, north and
    up unit vectors, minimum elevation [deg], its sine and cosine."""
    return (geometry[m, 0], geometry[m, 1], geometry[m, 2], geometry[m, 3], geometry[m, 4],
            geometry[m, 5], geometry[m, 6], geometry[m, 7], geometry[m, 8], geometry[m, 9],
            geometry[m, 10], geometry[m, 11], geometry[m, 12], geometry[m, 13], geometry[m, 14])


@numba.njit(**_JIT)
def _tau(t, t0, h):
    """Where ``t`` [s] lies in a bracket starting at ``t0`` and ``h`` seconds long, in [0, 1]
    (0 for a bracket of one sample)."""
    return (t - t0) / h if h > 0.0 else 0.0


@numba.njit(**_JIT)
def hermite(s, h, tau):
    """Position [km] and velocity [km/s] at ``tau`` in [0, 1] of a bracket ``h`` seconds long.

    ``s`` holds position, velocity and acceleration at the start, then at the
    end (18 numbers). Quintic Hermite interpolation [1]: with |r^(6)| ~ r w^6
    for LEO (w = 1.1e-3 rad/s), the truncation error h^6 |r^(6)| / 46080 is
    0.2 mm at h = 300 s; SGP4's velocity is not exactly the rate of its
    position (~0.1 m/s), which leaves about 0.5 m for the ISS at h = 330 s.
    A bracket of length 0 is its start.
    """
    if h <= 0.0:
        return s[0], s[1], s[2], s[3], s[4], s[5]
    t2 = tau * tau
    t3 = t2 * tau
    t4 = t3 * tau
    t5 = t4 * tau
    b0 = 1.0 - 10.0 * t3 + 15.0 * t4 - 6.0 * t5         # r0 (and 1 - b0: r1)
    b1 = (tau - 6.0 * t3 + 8.0 * t4 - 3.0 * t5) * h     # v0
    b2 = 0.5 * (t2 - 3.0 * t3 + 3.0 * t4 - t5) * h * h  # a0
    b4 = (-4.0 * t3 + 7.0 * t4 - 3.0 * t5) * h          # v1
    b3 = 0.5 * (t3 - 2.0 * t4 + t5) * h * h             # a1
    d0 = (-30.0 * t2 + 60.0 * t3 - 30.0 * t4) / h       # their time derivatives
    d1 = 1.0 - 18.0 * t2 + 32.0 * t3 - 15.0 * t4
    d2 = (tau - 4.5 * t2 + 6.0 * t3 - 2.5 * t4) * h
    d4 = -12.0 * t2 + 28.0 * t3 - 15.0 * t4
    d3 = (1.5 * t2 - 4.0 * t3 + 2.5 * t4) * h
    rx = s[9] + b0 * (s[0] - s[9]) + b1 * s[3] + b2 * s[6] + b4 * s[12] + b3 * s[15]
    ry = s[10] + b0 * (s[1] - s[10]) + b1 * s[4] + b2 * s[7] + b4 * s[13] + b3 * s[16]
    rz = s[11] + b0 * (s[2] - s[11]) + b1 * s[5] + b2 * s[8] + b4 * s[14] + b3 * s[17]
    vx = d0 * (s[0] - s[9]) + d1 * s[3] + d2 * s[6] + d4 * s[12] + d3 * s[15]
    vy = d0 * (s[1] - s[10]) + d1 * s[4] + d2 * s[7] + d4 * s[13] + d3 * s[16]
    vz = d0 * (s[2] - s[11]) + d1 * s[5] + d2 * s[8] + d4 * s[14] + d3 * s[17]
    return rx, ry, rz, vx, vy, vz


@numba.njit(**_JIT)
def hermite_acceleration(s, h, tau):
    """Acceleration [km/s^2] of the :func:`hermite` interpolant at ``tau`` (its second derivative)."""
    if h <= 0.0:
        return s[6], s[7], s[8]
    t2 = tau * tau
    t3 = t2 * tau
    c0 = (-60.0 * tau + 180.0 * t2 - 120.0 * t3) / (h * h)  # r0 - r1
    c1 = (-36.0 * tau + 96.0 * t2 - 60.0 * t3) / h          # v0
    c2 = 1.0 - 9.0 * tau + 18.0 * t2 - 10.0 * t3            # a0
    c4 = (-24.0 * tau + 84.0 * t2 - 60.0 * t3) / h          # v1
    c3 = 3.0 * tau - 12.0 * t2 + 10.0 * t3                  # a1
    ax = c0 * (s[0] - s[9]) + c1 * s[3] + c2 * s[6] + c4 * s[12] + c3 * s[15]
    ay = c0 * (s[1] - s[10]) + c1 * s[4] + c2 * s[7] + c4 * s[13] + c3 * s[16]
    az = c0 * (s[2] - s[11]) + c1 * s[5] + c2 * s[8] + c4 * s[14] + c3 * s[17]
    return ax, ay, az


@numba.njit(**_JIT)
def _sine(rx, ry, rz, vx, vy, vz, st):
    """sin(elevation), its rate [1/s] and the elevation rate [deg/s] from station ``st``:
    sin(el) = u / rho and d sin(el)/dt = (u' - sin(el) rho') / rho, with u the line of
    sight's up component and rho the range (no arc tangent)."""
    px, py, pz = rx - st[0], ry - st[1], rz - st[2]
    u = px * st[9] + py * st[10] + pz * st[11]
    u_dot = vx * st[9] + vy * st[10] + vz * st[11]
    rng = math.sqrt(px * px + py * py + pz * pz)
    sin_el = u / rng
    sin_rate = (u_dot - sin_el * (px * vx + py * vy + pz * vz) / rng) / rng
    return sin_el, sin_rate, math.degrees(sin_rate / math.sqrt(max(1.0 - sin_el * sin_el, 1e-300)))


@numba.njit(**_JIT)
def _sine_rate(rx, ry, rz, vx, vy, vz, ax, ay, az, st):
    """d sin(elevation)/dt [1/s] and its derivative [1/s^2] from station ``st``, given the
    acceleration: with s = u / rho, s' = (u' - s rho') / rho and
    s'' = (u'' - 2 s' rho' - s rho'') / rho, rho'' = (|v|^2 + p.a - rho'^2) / rho."""
    px, py, pz = rx - st[0], ry - st[1], rz - st[2]
    u = px * st[9] + py * st[10] + pz * st[11]
    u_dot = vx * st[9] + vy * st[10] + vz * st[11]
    u_ddot = ax * st[9] + ay * st[10] + az * st[11]
    rng = math.sqrt(px * px + py * py + pz * pz)
    rng_dot = (px * vx + py * vy + pz * vz) / rng
    rng_ddot = (vx * vx + vy * vy + vz * vz + px * ax + py * ay + pz * az - rng_dot * rng_dot) / rng
    sin_el = u / rng
    sin_rate = (u_dot - sin_el * rng_dot) / rng
    return sin_rate, (u_ddot - 2.0 * sin_rate * rng_dot - sin_el * rng_ddot) / rng


@numba.njit(**_JIT)
def _mask_floor(m, az_deg, mask_len, mask_az, mask_el):
    """Horizon mask of station ``m`` at ``az_deg`` [deg], and its slope [deg/deg].

    The mask is interpolated linearly in azimuth. ``mask_az`` / ``mask_el``
    hold each mask padded by one point on each side across 0/360 deg, as
    ``numpy.interp(..., period=360)`` pads it.
    """
    k = mask_len[m]
    x = az_deg % 360.0
    i = 0  # the segment holding x (masks have a few points: a linear search)
    while i < k - 2 and mask_az[m, i + 1] <= x:
        i += 1
    x0, x1 = mask_az[m, i], mask_az[m, i + 1]
    y0, y1 = mask_el[m, i], mask_el[m, i + 1]
    slope = (y1 - y0) / (x1 - x0) if x1 > x0 else 0.0
    return y0 + slope * (x - x0), slope


@numba.njit(**_JIT)
def _look(rx, ry, rz, vx, vy, vz, st, m, mask_len, mask_az, mask_el):
    """Elevation [deg], its rate [deg/s], azimuth [deg], range [km], and the clearance
    (elevation - floor) [deg] and its rate [deg/s] from station ``st`` (index ``m``) ([2] Alg. 27).

    The floor is the station's minimum elevation or, where higher, its horizon
    mask, which moves with the azimuth at d(floor)/d(az) x d(az)/dt, with
    d(az)/dt = (e' n - e n') / (e^2 + n^2).
    """
    px, py, pz = rx - st[0], ry - st[1], rz - st[2]
    e = px * st[3] + py * st[4] + pz * st[5]
    n = px * st[6] + py * st[7] + pz * st[8]
    u = px * st[9] + py * st[10] + pz * st[11]
    horiz2 = e * e + n * n
    rng = math.sqrt(horiz2 + u * u)
    horiz = math.sqrt(horiz2)
    range_rate = (px * vx + py * vy + pz * vz) / rng
    u_dot = vx * st[9] + vy * st[10] + vz * st[11]
    el = math.degrees(math.atan2(u, horiz))
    rate = math.degrees((u_dot * rng - u * range_rate) / (rng * horiz))
    az = math.degrees(math.atan2(e, n))  # in [-180, 180]; to [0, 360) as % 360 would,
    az = az + 360.0 if az < 0.0 else az + 0.0  # without its floating-point remainder
    floor, floor_rate = st[12], 0.0
    if mask_len[m] > 0:
        mask, slope = _mask_floor(m, az, mask_len, mask_az, mask_el)
        if mask > floor:
            e_dot = vx * st[3] + vy * st[4] + vz * st[5]
            n_dot = vx * st[6] + vy * st[7] + vz * st[8]
            floor = mask
            floor_rate = slope * math.degrees((e_dot * n - e * n_dot) / horiz2)
    return el, rate, az, rng, el - floor, rate - floor_rate


@numba.njit(**_JIT)
def _cubic_guess(g0, g1, d0, d1, h, maximum):
    """Start of the refinement: the root in [0, 1] of the cubic Hermite model of a function.

    ``g0, g1`` are the function and ``d0, d1`` its rates at the bracket's
    ends, ``h`` its length [s]. Crossings solve p = 0, maxima p' = 0, by four
    Newton steps on the cubic.
    """
    d0h, d1h = d0 * h, d1 * h
    tau = d0 / (d0 - d1) if maximum else g0 / (g0 - g1)
    if math.isnan(tau):
        tau = 0.5
    tau = min(max(tau, 0.0), 1.0)
    for _ in range(4):
        t2 = tau * tau
        if maximum:
            f = g0 * (6 * t2 - 6 * tau) + d0h * (3 * t2 - 4 * tau + 1) \
                + g1 * (6 * tau - 6 * t2) + d1h * (3 * t2 - 2 * tau)
            df = g0 * (12 * tau - 6) + d0h * (6 * tau - 4) + g1 * (6 - 12 * tau) + d1h * (6 * tau - 2)
        else:
            f = g0 * (2 * t2 * tau - 3 * t2 + 1) + d0h * (t2 * tau - 2 * t2 + tau) \
                + g1 * (3 * t2 - 2 * t2 * tau) + d1h * (t2 * tau - t2)
            df = g0 * (6 * t2 - 6 * tau) + d0h * (3 * t2 - 4 * tau + 1) \
                + g1 * (6 * tau - 6 * t2) + d1h * (3 * t2 - 2 * tau)
        step = f / df
        if math.isfinite(step):
            tau = min(max(tau - step, 0.0), 1.0)
    return tau


@numba.njit(**_JIT)
def _visible_within_rad(rs_km, r_km, floor_deg):
    """Largest angle [rad] at the Earth's centre between a station (geocentric radius
    ``rs_km``) and a satellite at radius ``r_km`` seen above ``floor_deg``
    (spherical Earth): arccos(rs cos(floor) / r) - floor."""
    f = math.radians(floor_deg)
    return math.acos(min(rs_km * math.cos(f) / r_km, 1.0)) - f


@numba.njit(**_JIT)
def _may_clear(r, rn, i, k, h, st, rs, rate, floor_deg):
    """Whether satellite ``i`` may rise above ``floor_deg`` seen from station ``st``
    (geocentric radius ``rs``) between samples ``k`` and ``k + 1``, ``h`` seconds apart.

    Seen from the Earth's centre, the satellite is psi0 and psi1 away from the
    station at the samples, and its direction moves along a path no longer
    than L = h x ``rate`` (its largest angular rate, speed / radius [rad/s]).
    By the triangle inequality on the sphere it comes no closer than
    (psi0 + psi1 - L) / 2, and it is above ``floor_deg`` only within
    :func:`_visible_within_rad` of the station at the larger of its radii
    ``rn``. Unlike a bound on elevation from its rates at the samples, this
    holds on the convex low wing of a high pass too.
    """
    psi = 0.0
    for kk in range(k, k + 2):
        c = (r[i, 0, kk] * st[0] + r[i, 1, kk] * st[1] + r[i, 2, kk] * st[2]) / (rn[kk] * rs)
        psi += math.acos(min(max(c, -1.0), 1.0))
    lam = _visible_within_rad(rs, max(rn[k], rn[k + 1]), floor_deg)
    return 0.5 * (psi - rate * h) <= lam


#: Bits of a sample's flags (:func:`_sample_flags`)
_ABOVE, _RISING, _CLEARING = 1, 2, 4


@numba.njit(**_JIT)
def _sample_flags(r, v, i, geometry, mask_len, mask_az, mask_el, flags):
    """Flags of satellite ``i``'s samples seen from every station, into ``flags[i]``
    (stations, samples): above the floor, elevation rising, and under a horizon mask
    clearance (elevation - floor) rising (bits :data:`_ABOVE`, :data:`_RISING`,
    :data:`_CLEARING`). Returns the most brackets :func:`grid_brackets` can draw from them.

    Without a mask, no square roots: above is u |u| >= s |s| rho^2 with u = rho.up
    and s = sin(floor); rising is v.up rho^2 > u rho.v.
    """
    n_k = r.shape[2]
    most = 0
    for m in range(geometry.shape[0]):
        st = station(geometry, m)
        s2 = st[13] * abs(st[13])
        for k in range(n_k):
            px, py, pz = r[i, 0, k] - st[0], r[i, 1, k] - st[1], r[i, 2, k] - st[2]
            vx, vy, vz = v[i, 0, k], v[i, 1, k], v[i, 2, k]
            rng2 = px * px + py * py + pz * pz
            u = px * st[9] + py * st[10] + pz * st[11]
            rising = (vx * st[9] + vy * st[10] + vz * st[11]) * rng2 > u * (px * vx + py * vy + pz * vz)
            flags[i, m, k] = (_ABOVE if u * abs(u) >= s2 * rng2 else 0) | (_RISING if rising else 0)
        if mask_len[m] > 0:
            for k in range(n_k):
                el, el_rate, az, rng, g, g_rate = _look(r[i, 0, k], r[i, 1, k], r[i, 2, k],
                                                        v[i, 0, k], v[i, 1, k], v[i, 2, k],
                                                        st, m, mask_len, mask_az, mask_el)
                flags[i, m, k] = (flags[i, m, k] & _RISING) | (_ABOVE if g >= 0.0 else 0) \
                    | (_CLEARING if g_rate > 0.0 else 0)
        # a crossing, an elevation maximum and a clearance maximum per interval, at most
        for k in range(n_k - 1):
            a, b = flags[i, m, k], flags[i, m, k + 1]
            most += ((a ^ b) & _ABOVE) + ((a & ~b & _RISING) >> 1) + ((a & ~b & _CLEARING) >> 2)
        most += 2  # passes in progress at the span's ends
    return most


@numba.njit(**_JIT)
def _emit(o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, row, i, m, k, kind, f0, f1, x0):
    o_sat[row], o_sta[row], o_k0[row], o_kind[row] = i, m, k, kind
    o_f0[row], o_f1[row], o_x0[row] = f0, f1, x0


@numba.njit(**_JIT)
def _write_state(out, row, r, v, i, k, col, mu, j2, re_km, omega_rad_s):
    """Position, velocity and :func:`ecef_acceleration_km_s2` of satellite ``i`` at sample
    ``k`` into ``out[row, col:col + 9]``."""
    x, y, z = r[i, 0, k], r[i, 1, k], r[i, 2, k]
    vx, vy, vz = v[i, 0, k], v[i, 1, k], v[i, 2, k]
    ax, ay, az = ecef_acceleration_km_s2(x, y, z, vx, vy, vz, mu, j2, re_km, omega_rad_s)
    out[row, col], out[row, col + 1], out[row, col + 2] = x, y, z
    out[row, col + 3], out[row, col + 4], out[row, col + 5] = vx, vy, vz
    out[row, col + 6], out[row, col + 7], out[row, col + 8] = ax, ay, az


@numba.njit(**_JIT)
def grid_brackets(r, v, seconds, gravity, omega_rad_s, geometry, mask_len, mask_az, mask_el,
                  with_start, with_end):
    """Every rise, set and culmination bracket of satellites on a grid, for all stations.

    ``r``, ``v`` are Earth-fixed positions [km] and velocities [km/s],
    coordinate-major: shape (satellites, 3, samples), NaN where invalid;
    ``seconds`` the samples' times; ``gravity`` (satellites, 3) each element
    set's mu [km^3/s^2], J2 and Earth radius [km]. The flags of every sample
    come first (:func:`_sample_flags`): they bound the number of brackets, so
    the outputs are allocated once. Then for each satellite and station, in one
    sweep of its samples' flags:

    * a rise or set brackets a sample interval where 'above the floor' changes;
    * a culmination brackets an interval where the elevation rate (sign of
      v.up rho^2 - u rho.v) turns from positive to negative, kept when the
      satellite may clear the floor less 0.5 deg in it (:func:`_may_clear`) or
      is above the floor at one of its ends;
    * under a horizon mask the highest elevation is not the largest clearance
      above the floor, so a maximum of the clearance between two samples below
      the floor is bracketed too (:data:`FLOOR_MAX`): the pass it may hold has
      no sample above the floor;
    * ``with_start`` / ``with_end``: a satellite above the floor at the first /
      last sample gives an 'up at start' / 'up at end' event.

    Returns the number of brackets and arrays (longer than that: the first
    rows hold them; slicing here would cost seconds of compilation) of
    (satellite, station, first sample, kind, f at the first, f at the last,
    first guess [s], state) per bracket (a bracket ends at the next sample, or
    for 'up at start/end' is its one sample); f is the clearance
    (:func:`crossing_clearance`) for crossings, d sin(elevation)/dt [1/s] for
    culminations and the rate of (elevation - floor) [deg/s] for
    :data:`FLOOR_MAX`; state
    the (brackets, 18) position, velocity and acceleration at both ends
    (:func:`hermite`).
    """
    n_sat, n_k = r.shape[0], r.shape[2]
    # first the flags of every sample, which bound the brackets: the outputs are allocated
    # once (growing them as brackets came cost up to a third of the sweep, in copies and
    # page faults)
    flags = np.empty((n_sat, geometry.shape[0], n_k), np.uint8)
    cap = 0
    for i in range(n_sat):
        cap += _sample_flags(r, v, i, geometry, mask_len, mask_az, mask_el, flags)
    o_sat = np.empty(cap, np.int64)
    o_sta = np.empty(cap, np.int64)
    o_k0 = np.empty(cap, np.int64)
    o_kind = np.empty(cap, np.int64)
    o_f0 = np.empty(cap)
    o_f1 = np.empty(cap)
    o_x0 = np.empty(cap)
    o_state = np.empty((cap, STATE_COLUMNS))
    count = 0
    rn = np.zeros(n_k)  # the satellite's radius [km] at each sample
    h_max = 0.0
    for k in range(n_k - 1):
        h_max = max(h_max, seconds[k + 1] - seconds[k])
    for i in range(n_sat):
        top, rate = 0.0, 0.0  # largest radius [km] and angular rate [rad/s] of the track
        for k in range(n_k):
            rn[k] = math.sqrt(r[i, 0, k] ** 2 + r[i, 1, k] ** 2 + r[i, 2, k] ** 2)
            speed = math.sqrt(v[i, 0, k] ** 2 + v[i, 1, k] ** 2 + v[i, 2, k] ** 2)
            top = max(top, rn[k])
            rate = max(rate, speed / rn[k])
        rate *= 1.1  # the speed may change within an interval (eccentric orbits): 10 % more
        mu, j2, re_km = gravity[i, 0], gravity[i, 1], gravity[i, 2]
        for m in range(geometry.shape[0]):
            st = station(geometry, m)
            masked = mask_len[m] > 0
            rs = math.sqrt(st[0] * st[0] + st[1] * st[1] + st[2] * st[2])
            # no maximum can clear the floor where both ends are farther than this from the
            # station seen from the Earth's centre (:func:`_may_clear`, at the track's largest
            # radius and rate); cos of it, or -2 where every interval must be checked
            reach = _visible_within_rad(rs, top, st[12] - 0.5) + 0.5 * rate * h_max
            cos_reach = math.cos(reach) if reach < math.pi else -2.0
            above_next = (flags[i, m, 0] & _ABOVE) != 0
            rising_next = (flags[i, m, 0] & _RISING) != 0
            clearing_next = (flags[i, m, 0] & _CLEARING) != 0
            for k in range(n_k - 1):
                above_k, rising_k, clearing_k = above_next, rising_next, clearing_next
                above_next = (flags[i, m, k + 1] & _ABOVE) != 0
                rising_next = (flags[i, m, k + 1] & _RISING) != 0
                clearing_next = (flags[i, m, k + 1] & _CLEARING) != 0
                cross = above_k != above_next
                culm = rising_k and not rising_next
                # a maximum of the clearance under a mask, between samples below the floor
                graze = masked and clearing_k and not clearing_next and not above_k \
                    and not above_next
                if not (cross or culm or graze):
                    continue
                h = seconds[k + 1] - seconds[k]
                if (culm or graze) and not above_k and not above_next:
                    c0 = (r[i, 0, k] * st[0] + r[i, 1, k] * st[1] + r[i, 2, k] * st[2]) / rn[k]
                    c1 = (r[i, 0, k + 1] * st[0] + r[i, 1, k + 1] * st[1]
                          + r[i, 2, k + 1] * st[2]) / rn[k + 1]
                    near = max(c0, c1) >= cos_reach * rs
                    if not (near and _may_clear(r, rn, i, k, h, st, rs, rate, st[12] - 0.5)):
                        culm = graze = False
                        if not cross:
                            continue
                if masked:
                    el0, rate0, az0, _, g0, g_rate0 = _look(
                        r[i, 0, k], r[i, 1, k], r[i, 2, k], v[i, 0, k], v[i, 1, k], v[i, 2, k],
                        st, m, mask_len, mask_az, mask_el)
                    el1, rate1, az1, _, g1, g_rate1 = _look(
                        r[i, 0, k + 1], r[i, 1, k + 1], r[i, 2, k + 1],
                        v[i, 0, k + 1], v[i, 1, k + 1], v[i, 2, k + 1], st, m, mask_len, mask_az,
                        mask_el)
                else:  # in sines: no arc tangents (a maximum of sin(el) is one of el)
                    el0, g_rate0, rate0 = _sine(r[i, 0, k], r[i, 1, k], r[i, 2, k],
                                                v[i, 0, k], v[i, 1, k], v[i, 2, k], st)
                    el1, g_rate1, rate1 = _sine(r[i, 0, k + 1], r[i, 1, k + 1], r[i, 2, k + 1],
                                                v[i, 0, k + 1], v[i, 1, k + 1], v[i, 2, k + 1], st)
                    g0, g1 = el0 - st[13], el1 - st[13]
                first = count
                if cross:
                    tau = _cubic_guess(g0, g1, g_rate0, g_rate1, h, False)
                    _emit(o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, count, i, m, k,
                          RISE if above_next else SET, g0, g1, seconds[k] + tau * h)
                    count += 1
                if culm:
                    if masked:  # d sin(el)/dt = cos(el) d(el)/dt
                        tau = _cubic_guess(el0, el1, rate0, rate1, h, True)
                        s_rate0 = math.cos(math.radians(el0)) * math.radians(rate0)
                        s_rate1 = math.cos(math.radians(el1)) * math.radians(rate1)
                    else:  # el0, el1 are sines here, g_rate0, g_rate1 their rates
                        tau = _cubic_guess(el0, el1, g_rate0, g_rate1, h, True)
                        s_rate0, s_rate1 = g_rate0, g_rate1
                    _emit(o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, count, i, m, k, CULM,
                          s_rate0, s_rate1, seconds[k] + tau * h)
                    count += 1
                if graze:
                    tau = _cubic_guess(g0, g1, g_rate0, g_rate1, h, True)
                    _emit(o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, count, i, m, k, FLOOR_MAX,
                          g_rate0, g_rate1, seconds[k] + tau * h)
                    count += 1
                _write_state(o_state, first, r, v, i, k, 0, mu, j2, re_km, omega_rad_s)
                _write_state(o_state, first, r, v, i, k + 1, 9, mu, j2, re_km, omega_rad_s)
                for row in range(first + 1, count):
                    for c in range(STATE_COLUMNS):
                        o_state[row, c] = o_state[first, c]
            for end in range(2):
                k = 0 if end == 0 else n_k - 1
                if (with_start if end == 0 else with_end) and flags[i, m, k] & _ABOVE:
                    el, el_rate, az, _, g, g_rate = _look(
                        r[i, 0, k], r[i, 1, k], r[i, 2, k], v[i, 0, k], v[i, 1, k], v[i, 2, k],
                        st, m, mask_len, mask_az, mask_el)
                    if not masked:
                        g = math.sin(math.radians(el)) - st[13]
                    _emit(o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, count, i, m, k,
                          UP_AT_START if end == 0 else UP_AT_END, g, g, seconds[k])
                    _write_state(o_state, count, r, v, i, k, 0, mu, j2, re_km, omega_rad_s)
                    _write_state(o_state, count, r, v, i, k, 9, mu, j2, re_km, omega_rad_s)
                    count += 1
    return count, (o_sat, o_sta, o_k0, o_kind, o_f0, o_f1, o_x0, o_state)


@numba.njit(**_JIT)
def evaluate(state, t0, h, sta, rows, t, geometry, mask_len, mask_az, mask_el):
    """(elevation - floor), elevation rate, elevation, azimuth, range of brackets ``rows``
    at times ``t`` [s], as arrays ([deg], [deg/s], [deg], [deg], [km])."""
    n = rows.size
    g, rate, el, az, rng = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for q in range(n):
        j = rows[q]
        m = sta[j]
        rx, ry, rz, vx, vy, vz = hermite(state_row(state, j), h[j], _tau(t[q], t0[j], h[j]))
        el[q], rate[q], az[q], rng[q], g[q], _ = _look(rx, ry, rz, vx, vy, vz, station(geometry, m),
                                                       m, mask_len, mask_az, mask_el)
    return g, rate, el, az, rng


@numba.njit(**_JIT)
def _sign(x):
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else (0.0 if x == 0.0 else np.nan))


#: Newton steps all events of :func:`refine` take together before the few left go on alone
LOCKSTEP_STEPS = 4
# where an event of :func:`refine` stands
_ACTIVE, _FINISHED, _ALONE = 0, 1, 2


@numba.njit(**_JIT)
def refine(state, t0, h, sta, rows, lo, hi, f_lo, f_hi, x0, target, geometry, mask_len, mask_az,
           mask_el, tol_s, max_iter):
    """Event times [s] in [lo, hi] of brackets ``rows``, by safeguarded Newton iteration
    ([3]), and (elevation - floor), elevation rate, elevation, azimuth and range there.

    ``target`` says what each event solves: :data:`CROSSING` (elevation - floor)
    = 0, with its analytic rate as derivative; :data:`ELEVATION_MAX` elevation
    rate = 0 and :data:`CLEARANCE_MAX` d(elevation - floor)/dt = 0, with a
    secant derivative. Without a horizon mask a crossing solves sin(elevation)
    - sin(floor) = 0 instead (same root and sign, no arc tangent).
    A step leaving its bracket falls back to regula falsi, so every root stays
    bracketed. ``x0`` is the first guess; ``f_lo``, ``f_hi`` the function at the
    bracket's ends: the clearance (:func:`crossing_clearance`) for crossings,
    d sin(elevation)/dt [1/s] for :data:`ELEVATION_MAX` (solved with its
    analytic derivative) and the clearance's rate [deg/s] for :data:`CLEARANCE_MAX`.

    The events take their Newton steps together: each sweep takes one step of
    every event still going (:data:`LOCKSTEP_STEPS` sweeps); the steps of
    different events do not wait on each other, which made the refinement 15 %
    faster than finishing one event before the next. An event under a horizon mask,
    solving :data:`CLEARANCE_MAX`, whose next step would leave its bracket, or
    not done after the sweeps goes on alone (:func:`_refine_loop`) from where
    it stands. Every step is the same arithmetic either way, so each time is
    the one that solving the events one by one gives, to the bit.
    """
    n = rows.size
    t = np.empty(n)
    # each event's bracket [a, b], the function at its ends and their weights in the
    # regula falsi point (:func:`_refine_loop`)
    a_, b_, fa_, fb_, wa_, wb_ = np.empty(n), np.empty(n), np.empty(n), np.empty(n), \
        np.empty(n), np.empty(n)
    last_ = np.zeros(n, np.int8)
    used = np.zeros(n, np.int8)  # the steps each event has taken
    status = np.empty(n, np.int8)
    for q in range(n):
        t[q], _, _, done = _refine_start(lo[q], hi[q], f_lo[q], f_hi[q], x0[q], tol_s)
        a_[q], b_[q], fa_[q], fb_[q], wa_[q], wb_[q] = lo[q], hi[q], f_lo[q], f_hi[q], \
            f_lo[q], f_hi[q]
        if done:
            status[q] = _FINISHED
        elif target[q] == CLEARANCE_MAX or mask_len[sta[rows[q]]] > 0:
            status[q] = _ALONE
        else:
            status[q] = _ACTIVE
    for sweep in range(min(LOCKSTEP_STEPS, max_iter)):
        for q in range(n):
            if status[q] != _ACTIVE:
                continue
            j = rows[q]
            s = state_row(state, j)
            st = station(geometry, sta[j])
            x = t[q]
            tau = _tau(x, t0[j], h[j])
            rx, ry, rz, vx, vy, vz = hermite(s, h[j], tau)
            if target[q] == CROSSING:  # unmasked: in sines
                sin_el, sin_rate, rate = _sine(rx, ry, rz, vx, vy, vz, st)
                f, df, df_deg, limit = sin_el - st[13], sin_rate, rate, 0.2
            else:  # ELEVATION_MAX
                ax, ay, az = hermite_acceleration(s, h[j], tau)
                f, df = _sine_rate(rx, ry, rz, vx, vy, vz, ax, ay, az, st)
                df_deg, limit = 1.0, 0.02
            if f == 0.0:
                status[q] = _FINISHED
                continue
            a, b, fa, fb, wa, wb, last = _shrink(x, f, a_[q], b_[q], fa_[q], fb_[q], wa_[q], wb_[q],
                                                 last_[q])
            x_new = x - f / df
            if not math.isfinite(x_new) or x_new <= a or x_new >= b:
                status[q] = _ALONE  # this step falls back to regula falsi: alone, from before it
                used[q] = sweep
                continue
            a_[q], b_[q], fa_[q], fb_[q], wa_[q], wb_[q], last_[q] = a, b, fa, fb, wa, wb, last
            t[q] = x_new
            step = abs(x_new - x)
            if b - a < tol_s or not math.isfinite(f) or step < tol_s \
                    or (abs(df_deg) > 0.02 and step < limit):
                status[q] = _FINISHED
    # the look angles take the places of the bracket arrays, which an event no longer needs
    # once solved (memory: a group's refinement holds millions of events)
    g, rate, el, az, rng = a_, b_, fa_, fb_, wa_
    for q in range(n):
        j = rows[q]
        m = sta[j]
        s = state_row(state, j)
        st = station(geometry, m)
        if status[q] == _ACTIVE:  # not done in the sweeps
            used[q] = min(LOCKSTEP_STEPS, max_iter)
        if status[q] != _FINISHED:
            # a secant's previous point: only CLEARANCE_MAX uses it, and it never sweeps
            _, x_prev, f_prev, _ = _refine_start(lo[q], hi[q], f_lo[q], f_hi[q], x0[q], tol_s)
            t[q] = _refine_loop(s, t0[j], h[j], st, m, target[q], a_[q], b_[q], fa_[q], fb_[q],
                                wa_[q], wb_[q], last_[q], t[q], x_prev, f_prev,
                                mask_len, mask_az, mask_el, tol_s, max_iter - used[q])
        rx, ry, rz, vx, vy, vz = hermite(s, h[j], _tau(t[q], t0[j], h[j]))
        el[q], rate[q], az[q], rng[q], g[q], _ = _look(rx, ry, rz, vx, vy, vz, st, m, mask_len,
                                                       mask_az, mask_el)
    return t, g, rate, el, az, rng


@numba.njit(**_JIT)
def _shrink(x, f, a, b, fa, fb, wa, wb, last):
    """The bracket [a, b] of a root (function ``fa``, ``fb`` at its ends) with ``x`` (function
    ``f``) in place of the end of f's sign, so the root stays bracketed; Illinois: an end
    kept twice in a row has its weight (``wa``, ``wb``) in the regula falsi point halved, so
    the bracket shrinks from both sides. ``last``: the end moved last (1 a, -1 b, 0 none)."""
    if _sign(f) == _sign(fa):
        a, fa, wa = x, f, f
        if last == 1:
            wb *= 0.5
        last = 1
    else:
        b, fb, wb = x, f, f
        if last == -1:
            wa *= 0.5
        last = -1
    return a, b, fa, fb, wa, wb, last


@numba.njit(**_JIT)
def _refine_start(a, b, fa, fb, x, tol_s):
    """Where :func:`refine` starts an event in [a, b] (function ``fa``, ``fb`` at the ends)
    from the guess ``x``: (x, previous x and f for a secant, whether it is already done:
    an end is the root, or the bracket is within ``tol_s``)."""
    x = min(max(x, a), b) if math.isfinite(x) else 0.5 * (a + b)
    if abs(x - a) > abs(b - x):
        x_prev, f_prev = a, fa
    else:
        x_prev, f_prev = b, fb
    if fa == 0.0:
        x = a
    if fb == 0.0:
        x = b
    return x, x_prev, f_prev, fa == 0.0 or fb == 0.0 or not b - a > tol_s


@numba.njit(**_JIT)
def _refine_loop(s, t0, h, st, m, c, a, b, fa, fb, wa, wb, last, x, x_prev, f_prev, mask_len,
                 mask_az, mask_el, tol_s, max_iter):
    """The steps of one event of :func:`refine` (bracket state ``s``, start ``t0``, length
    ``h``) seen from station ``st`` (index ``m``), ``c`` its target: from ``x`` in the
    bracket [a, b] (function ``fa``, ``fb`` at its ends, ``wa``, ``wb`` their weights in
    the regula falsi point, ``last`` the end moved last: 1 a, -1 b, 0 none), at most
    ``max_iter`` steps; returns the event's time [s]."""
    sine = c == CROSSING and mask_len[m] == 0
    s_floor = st[13]
    for _ in range(max_iter):
        tau = _tau(x, t0, h)
        rx, ry, rz, vx, vy, vz = hermite(s, h, tau)
        if sine:
            sin_el, sin_rate, rate = _sine(rx, ry, rz, vx, vy, vz, st)
            f, df, df_deg = sin_el - s_floor, sin_rate, rate
        elif c == ELEVATION_MAX:  # d sin(el)/dt = 0, with its analytic derivative
            ax, ay, az = hermite_acceleration(s, h, tau)
            f, df = _sine_rate(rx, ry, rz, vx, vy, vz, ax, ay, az, st)
            df_deg = 1.0  # analytic: the Newton step's own size says when it is done
        else:
            el, rate, az, rng, g, g_rate = _look(rx, ry, rz, vx, vy, vz, st, m, mask_len, mask_az,
                                                 mask_el)
            if c == CROSSING:
                f, df = g, g_rate
            else:
                f = g_rate
                df = (f - f_prev) / (x - x_prev)
            df_deg = df
        if f == 0.0:  # on the root (a Newton step can land on it to the last bit)
            return x
        a, b, fa, fb, wa, wb, last = _shrink(x, f, a, b, fa, fb, wa, wb, last)
        x_new = x - f / df
        bad = not math.isfinite(x_new) or x_new <= a or x_new >= b
        if bad:
            x_new = a - wa * (b - a) / (wb - wa)
        if not math.isfinite(x_new) or x_new <= a or x_new >= b:
            x_new = 0.5 * (a + b)
        x_prev, f_prev = x, f
        step = abs(x_new - x)
        x = x_new
        # a Newton step of s seconds leaves an error ~ |f''/2f'| s^2; away from grazing
        # geometry (|f'| > 0.02 deg/s) elevation has |f''/2f'| < 0.02 /s, so a crossing
        # step under 0.2 s is the last (error < 1e-3 s). A short regula falsi step says
        # nothing of the error: only the bracket's width does.
        newton_done = not bad and (step < tol_s or (abs(df_deg) > 0.02
                                                   and step < (0.2 if c == CROSSING else 0.02)))
        if b - a < tol_s or not math.isfinite(f) or newton_done:
            break
    return x
