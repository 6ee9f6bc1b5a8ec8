/** What a file is for: `batch` input uploaded by clients, `batch_output` written by batches. */
export type FilePurpose = 'batch' | 'batch_output';

/** OpenAI's file object. */
export interface FileObjectDto {
  id: string;
  object: 'file';
  bytes: number;
  /** Epoch seconds. */
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  status: 'processed';
  status_details: null;
  expires_at: null;
}

/** `GET /v1/files`: a cursor page, newest first unless `order=asc`. */
export interface FileListDto {
  object: 'list';
  data: FileObjectDto[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** `DELETE /v1/files/:id`. */
export interface FileDeletedDto {
  id: string;
  object: 'file';
  deleted: true;
}
