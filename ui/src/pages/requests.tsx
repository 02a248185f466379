/** Placeholder: built by the UI issue's helpers. */
export function RequestsPage() {
  return <div className="page">RequestsPage</div>;
}
export function RequestPage() {
  return <div className="page">RequestPage</div>;
}
