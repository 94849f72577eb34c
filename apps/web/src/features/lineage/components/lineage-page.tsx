export default function LineagePage() { return <div>Lineage</div>; }
