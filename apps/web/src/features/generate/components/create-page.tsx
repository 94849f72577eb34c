export function CreatePage() { return <div className="p-6">CreatePage</div>; }
