export function GalleryPage() { return <div className="p-6">GalleryPage</div>; }
