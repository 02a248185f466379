/** Placeholder: built by the UI issue's helpers. */
export function PartitionPage() {
  return <div className="page">PartitionPage</div>;
}
