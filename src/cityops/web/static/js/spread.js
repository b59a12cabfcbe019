// Markers that would overlap on screen are spread on a small circle around their common
// centre (a leader line shows the true position), so no station hides another at city
// zoom. Pure: screen points in, screen offsets out; the map redoes it on every zoom.

/**
 * Group points closer than `minDist` pixels (greedy, in input order) and give each member
 * of a group of n > 1 a place on a circle of radius max(minDist, n * minDist / (2 pi))
 * around the group's centre. Returns [{x, y}] in input order (unchanged when alone).
 */
export function spreadPoints(points, minDist = 22) {
  const groups = [];
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i];
    const g = groups.find((grp) => grp.members.some((j) => Math.hypot(points[j].x - p.x, points[j].y - p.y) < minDist));
    if (g) g.members.push(i); else groups.push({ members: [i] });
  }
  const out = points.map((p) => ({ x: p.x, y: p.y }));
  for (const { members } of groups) {
    if (members.length < 2) continue;
    const cx = members.reduce((s, j) => s + points[j].x, 0) / members.length;
    const cy = members.reduce((s, j) => s + points[j].y, 0) / members.length;
    const r = Math.max(minDist, (members.length * minDist) / (2 * Math.PI));
    members.forEach((j, k) => {
      const a = -Math.PI / 2 + (2 * Math.PI * k) / members.length;
      out[j] = { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) };
    });
  }
  return out;
}
