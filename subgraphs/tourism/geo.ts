/** Mean Earth radius (IUGG), in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;
const KM_PER_DEGREE_LATITUDE = (Math.PI * EARTH_RADIUS_KM) / 180;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance between two points in kilometres (haversine formula). */
export function distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = radians(lat2 - lat1);
  const dLng = radians(lng2 - lng1);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A latitude/longitude box; `minLongitude`/`maxLongitude` are null when every longitude qualifies. */
export interface BoundingBox {
  minLatitude: number;
  maxLatitude: number;
  minLongitude: number | null;
  maxLongitude: number | null;
}

/**
 * A box that contains every point within `radiusKm` of the centre (and more, near its
 * corners): the cheap, indexable prefilter before the exact distance check. Near a pole
 * or across the antimeridian it gives up on longitude rather than miss points.
 */
export function boundingBox(latitude: number, longitude: number, radiusKm: number): BoundingBox {
  const dLat = radiusKm / KM_PER_DEGREE_LATITUDE;
  const minLatitude = latitude - dLat;
  const maxLatitude = latitude + dLat;
  if (minLatitude <= -90 || maxLatitude >= 90) {
    return {
      minLatitude: Math.max(minLatitude, -90),
      maxLatitude: Math.min(maxLatitude, 90),
      minLongitude: null,
      maxLongitude: null,
    };
  }
  // The widest parallel inside the box is the one farthest from the equator.
  const widest = Math.max(Math.abs(minLatitude), Math.abs(maxLatitude));
  const dLng = radiusKm / (KM_PER_DEGREE_LATITUDE * Math.cos(radians(widest)));
  if (longitude - dLng < -180 || longitude + dLng > 180) {
    return { minLatitude, maxLatitude, minLongitude: null, maxLongitude: null };
  }
  return { minLatitude, maxLatitude, minLongitude: longitude - dLng, maxLongitude: longitude + dLng };
}
