/** Placeholder: built by the UI issue's helpers. */
export function FailuresPage() {
  return <div className="page">FailuresPage</div>;
}
