export default function ComparePage() { return <div>Compare</div>; }
