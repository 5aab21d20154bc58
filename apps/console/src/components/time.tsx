const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", with the exact time on hover and for assistive technology. */
export function Ago({ at }: { at: string }) {
  const seconds = Math.round((new Date(at).getTime() - Date.now()) / 1000);
  const [value, unit]: [number, Intl.RelativeTimeFormatUnit] =
    Math.abs(seconds) < 60
      ? [seconds, 'second']
      : Math.abs(seconds) < 3600
        ? [Math.round(seconds / 60), 'minute']
        : Math.abs(seconds) < 86_400
          ? [Math.round(seconds / 3600), 'hour']
          : [Math.round(seconds / 86_400), 'day'];
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {relative.format(value, unit)}
    </time>
  );
}
