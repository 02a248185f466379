/** Placeholder: built by the UI issue's helpers. */
export function GraphPage() {
  return <div className="page">GraphPage</div>;
}
