/** What `DELETE /v1/jobs/:id` answers (202) for a running job: the cancel is on its way. */
export interface JobCancellingDto {
  id: string;
  state: 'cancelling';
}
