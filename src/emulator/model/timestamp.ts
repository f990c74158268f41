// Timestamps in requests, in every form EB accepts.
/** A timestamp as EB reads one: ISO 8601 extended or basic (20261125T174000Z), or epoch seconds. */
export function parseTimestamp(text: string): Date | undefined {
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  const iso = basic ? `${basic[1]}-${basic[2]}-${basic[3]}T${basic[4]}:${basic[5]}:${basic[6]}${basic[7] ?? ''}${basic[8]}` : text;
  if (!/^\d+(\.\d+)?$/.test(text) && !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(iso)) return undefined;
  const d = new Date(/^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
