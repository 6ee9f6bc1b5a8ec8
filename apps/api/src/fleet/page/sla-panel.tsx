import { PRIORITY_CLASSES, type FleetSnapshot } from './contracts.js';
import { CLASS_COLORS, formatNumber } from './format.js';

/** SLA attainment per class: the share of completed jobs that met their class SLA. */
export function SlaPanel({ sla }: { sla: FleetSnapshot['sla'] }) {
  return (
    <section class="panel">
      <h2>SLA attainment</h2>
      <div class="sla">
        {PRIORITY_CLASSES.map((c) => {
          const { met, missed, attainment } = sla[c];
          const percent = attainment === null ? null : attainment * 100;
          const tone =
            percent === null ? '' : percent >= 99 ? 'good' : percent >= 90 ? 'warn' : 'bad';
          return (
            <div class="sla-class" data-class={c}>
              <div class="sla-name" style={{ color: CLASS_COLORS[c] }}>
                {c}
              </div>
              <div class={`sla-value ${tone}`}>
                {percent === null ? '–' : `${percent >= 99.95 ? 100 : percent.toFixed(1)} %`}
              </div>
              <div class={`sla-bar${percent === null ? ' empty' : ''}`}>
                <span style={{ width: `${percent ?? 0}%` }} />
              </div>
              <div class="muted">
                {met + missed === 0
                  ? 'no completed job yet'
                  : `${formatNumber(met)} met · ${formatNumber(missed)} missed`}
              </div>
            </div>
          );
        })}
      </div>
    </section>
  );
}
