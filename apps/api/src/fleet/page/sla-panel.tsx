import { PRIORITY_CLASSES, type FleetSnapshot } from './contracts.js';
import { CLASS_COLORS, formatNumber } from './format.js';

type Attainment = FleetSnapshot['sla']['interactive']['recent'];

/**
 * SLA attainment per class: the share of completed jobs that met their class SLA over the last
 * minutes (what the fleet does now), with the figure since the fleet's start beneath it.
 */
export function SlaPanel({ sla, minutes }: { sla: FleetSnapshot['sla']; minutes: number }) {
  return (
    <section class="panel">
      <h2>SLA attainment, last {minutes} min</h2>
      <div class="sla">
        {PRIORITY_CLASSES.map((c) => {
          const { recent } = sla[c];
          const percent = recent.attainment === null ? null : recent.attainment * 100;
          const tone =
            percent === null ? '' : percent >= 99 ? 'good' : percent >= 90 ? 'warn' : 'bad';
          return (
            <div class="sla-class" data-class={c}>
              <div class="sla-name" style={{ color: CLASS_COLORS[c] }}>
                {c}
              </div>
              <div class={`sla-value ${tone}`}>{formatPercent(percent)}</div>
              <div class={`sla-bar${percent === null ? ' empty' : ''}`}>
                <span style={{ width: `${percent ?? 0}%` }} />
              </div>
              <div class="muted sla-recent">{counts(recent, `in ${minutes} min`)}</div>
              <div class="muted sla-total">{sinceStart(sla[c])}</div>
            </div>
          );
        })}
      </div>
    </section>
  );
}

function formatPercent(percent: number | null): string {
  if (percent === null) return '–';
  return `${percent >= 99.95 ? 100 : percent.toFixed(1)} %`;
}

function sinceStart({ met, missed, attainment }: Attainment): string {
  if (attainment === null) return 'none completed since the start';
  return `since the start: ${formatPercent(attainment * 100)} of ${formatNumber(met + missed)}`;
}

function counts({ met, missed }: Attainment, none: string): string {
  if (met + missed === 0) return `no completed job ${none}`;
  return `${formatNumber(met)} met · ${formatNumber(missed)} missed`;
}
