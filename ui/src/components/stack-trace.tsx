/**
 * A stack trace as thrown (with any "Caused by:" sections), in a scrolling block; nothing when there
 * is none. Frames of libraries and of Weft itself are dimmed so the user's own frames stand out.
 */
const LIBRARY_FRAME = /node_modules\/|\(node:|at node:|\/@weft\/|\/(?:core|store|workers|plugins\/[^/]+)\/src\//;

export function StackTrace({ stack, title }: { stack: string | null; title: string }) {
  if (!stack) return null;
  const lines = stack.split('\n');
  return (
    <div className="stack-trace">
      <h3>{title}</h3>
      <pre data-testid="failure-stack">
        {lines.map((line, i) => (
          <span key={i} className={/^\s+at /.test(line) && LIBRARY_FRAME.test(line) ? 'lib-frame' : undefined}>
            {line}
            {i < lines.length - 1 ? '\n' : ''}
          </span>
        ))}
      </pre>
    </div>
  );
}
