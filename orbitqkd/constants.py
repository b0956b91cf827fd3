"""Physical and geodetic constants, each with its source."""

# WGS 84 ellipsoid, NIMA TR8350.2 (2000), Table 3.1
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

# Mean Earth radius used in spherical air-mass models, IUGG (Moritz 2000)
EARTH_MEAN_RADIUS_KM = 6371.0088

# WGS 72 constants SGP4 itself uses (Hoots & Roehrich 1980, Spacetrack Report #3;
# Vallado et al., AIAA 2006-6753): element sets made here must use the same
WGS72_MU_KM3_S2 = 398600.8
WGS72_RADIUS_KM = 6378.135

# Defined exactly in the SI (BIPM SI Brochure, 9th ed., 2019)
SPEED_OF_LIGHT_M_S = 299_792_458.0
PLANCK_J_S = 6.626_070_15e-34

DAY_S = 86_400.0

# Julian date of J2000.0 (IAU 1976)
J2000_JD = 2_451_545.0

# Astronomical unit, IAU 2012 Resolution B2
AU_KM = 149_597_870.700

# Epoch origin of SGP4 element sets: 1949 December 31 00:00 UT (JD 2433281.5),
# Vallado et al., AIAA 2006-6753, Sec. "SGP4 epoch"
SGP4_EPOCH_ORIGIN_JD = 2_433_281.5
SGP4_EPOCH_ORIGIN_UTC = "1949-12-31T00:00:00Z"
