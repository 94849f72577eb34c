export function ImagePage() { return <div className="p-6">ImagePage</div>; }
