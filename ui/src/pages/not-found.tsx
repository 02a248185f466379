import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="page">
      <h1>Not found</h1>
      <p>
        No page here. <Link to="/">Back to the assets</Link>.
      </p>
    </div>
  );
}
