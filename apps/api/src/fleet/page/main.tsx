import 'uplot/dist/uPlot.min.css';
import './fleet.css';
import './panels.css';
import { render } from 'preact';
import { App } from './app.js';

render(<App />, document.getElementById('app')!);
