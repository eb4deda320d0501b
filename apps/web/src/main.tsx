import { render } from 'solid-js/web';

render(() => <p>Loading…</p>, document.getElementById('root')!);
