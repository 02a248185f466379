/** Placeholder: built by the UI issue's helpers. */
export function AssetPage() {
  return <div className="page">AssetPage</div>;
}
