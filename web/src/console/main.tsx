import { render } from 'preact';
import '../shared/base.css';
import 'uplot/dist/uPlot.min.css';
import './console.css';
import { App } from './App.js';

render(<App />, document.getElementById('app')!);
